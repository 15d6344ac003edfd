using Fjord.Gateway;
using Fjord.Storage.Sqlite;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace Fjord.Cli.Tests.Support;

/// <summary>
/// A real gateway and SQLite store in this process, with the data folder at ./.fjord of
/// the root folder given and the admin key in its admin.key, as `fjord up` leaves them.
/// </summary>
internal sealed class InProcessNode : IAsyncDisposable
{
    private InProcessNode(string data, SqliteStore store, WebApplication app, string url)
    {
        Data = data;
        Store = store;
        App = app;
        Url = url;
    }

    public string Data { get; }

    public SqliteStore Store { get; }

    public WebApplication App { get; }

    public string Url { get; }

    public static async Task<InProcessNode> StartAsync(string root)
    {
        var data = Path.Combine(root, Defaults.DataDir);
        Directory.CreateDirectory(data);
        var store = await SqliteStore.OpenAsync(new SqliteStoreOptions { Path = Path.Combine(data, "fjord.db") }, default);
        var options = new GatewayOptions { DataDir = data };
        await AdminKeyBootstrap.EnsureAsync(store, options, default);
        var builder = GatewayHost.CreateBuilder(NullLoggerFactory.Instance, "127.0.0.1", 0, store, store);
        builder.Services.AddFjordGateway(options);
        var app = builder.Build();
        app.MapFjordGateway();
        await app.StartAsync();
        var url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new InProcessNode(data, store, app, url);
    }

    public async ValueTask DisposeAsync()
    {
        await App.StopAsync();
        await App.DisposeAsync();
        await Store.DisposeAsync();
    }
}
