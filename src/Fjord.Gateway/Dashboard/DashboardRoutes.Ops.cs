using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Fjord.Gateway.Dashboard;

/// <summary>The operator pages: dead letters, nodes, keys, and the function page's live series.</summary>
internal static partial class DashboardRoutes
{
    public const string DeadLetters = "/dead-letters";
    public const string Nodes = "/nodes";
    public const string Keys = "/keys";

    private static bool OwnsOps(PathString path) =>
        path.StartsWithSegments(DeadLetters) || path.StartsWithSegments(Nodes) || path.StartsWithSegments(Keys);

    private static void MapOps(WebApplication app)
    {
        var sp = app.Services;
        var deadLetters = sp.GetRequiredService<DeadLettersPage>();
        var nodes = sp.GetRequiredService<NodesPage>();
        var keys = sp.GetRequiredService<KeysPage>();
        var functions = sp.GetRequiredService<FunctionsPage>();

        app.MapGet(DeadLetters, (RequestDelegate)deadLetters.ListAsync);
        app.MapGet(DeadLetters + "/confirm", (RequestDelegate)deadLetters.ConfirmAsync);
        app.MapPost(DeadLetters + "/retry", (RequestDelegate)deadLetters.RetryAsync);
        app.MapPost(DeadLetters + "/purge", (RequestDelegate)deadLetters.PurgeAsync);
        app.MapGet(Nodes, (RequestDelegate)nodes.GetAsync);
        app.MapGet(Keys, (RequestDelegate)keys.ListAsync);
        app.MapPost(Keys, (RequestDelegate)keys.CreateAsync);
        app.MapPost(Keys + "/{id}/revoke", (RequestDelegate)keys.RevokeAsync);
        app.MapGet(Stats + "/{name}", (RequestDelegate)functions.SeriesAsync);
    }
}
