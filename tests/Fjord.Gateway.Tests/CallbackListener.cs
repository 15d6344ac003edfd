using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Fjord.Gateway.Tests;

/// <summary>A real HTTP receiver on 127.0.0.1 for callbacks: records each POST and answers the status codes it is told, in turn (then 200).</summary>
internal sealed class CallbackListener : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<int> _answers;

    private CallbackListener(WebApplication app, ConcurrentQueue<int> answers)
    {
        _app = app;
        _answers = answers;
    }

    public sealed record Received(string Path, IReadOnlyDictionary<string, string> Headers, string? ContentType, string Body, DateTimeOffset At);

    public Channel<Received> Requests { get; } = Channel.CreateUnbounded<Received>();

    public Uri Url(string path) => new(Address, path);

    public Uri Address { get; private set; } = null!;

    public static async Task<CallbackListener> StartAsync(params int[] answers)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var listener = new CallbackListener(app, new ConcurrentQueue<int>(answers));
        app.MapPost("/{**path}", async (HttpContext context) =>
        {
            using var reader = new StreamReader(context.Request.Body);
            var body = await reader.ReadToEndAsync();
            var headers = context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
            await listener.Requests.Writer.WriteAsync(new Received(context.Request.Path, headers, context.Request.ContentType, body, DateTimeOffset.UtcNow));
            context.Response.StatusCode = listener._answers.TryDequeue(out var code) ? code : 200;
        });
        await app.StartAsync();
        listener.Address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        return listener;
    }

    public async Task<Received> NextAsync(TimeSpan? patience = null)
    {
        using var cts = new CancellationTokenSource(patience ?? TimeSpan.FromSeconds(15));
        return await Requests.Reader.ReadAsync(cts.Token);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
