using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Fjord.Cli.Tests.Support;

/// <summary>A request the stand-in gateway received, body included.</summary>
internal sealed record RecordedRequest(string Method, string PathAndQuery, IReadOnlyDictionary<string, string> Headers, byte[] Body)
{
    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;
}

/// <summary>
/// A real Kestrel server on 127.0.0.1 with whatever answers a test maps: the CLI's client talks to
/// it over a real socket, exactly as to the real gateway, and every request is recorded.
/// </summary>
internal sealed class TestGateway : IAsyncDisposable
{
    private readonly WebApplication app;

    private TestGateway(WebApplication app, Uri url)
    {
        this.app = app;
        Url = url;
    }

    public Uri Url { get; }

    public ConcurrentQueue<RecordedRequest> Requests { get; } = new();

    /// <summary>The environment a CLI run needs to reach this gateway with a key.</summary>
    public Dictionary<string, string> Env(string key = "test-key") => new() { ["FJORD_URL"] = Url.ToString(), ["FJORD_KEY"] = key };

    public static async Task<TestGateway> StartAsync(Action<WebApplication> map)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        TestGateway? gateway = null;
        app.Use(async (context, next) =>
        {
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body);
            gateway!.Requests.Enqueue(new RecordedRequest(
                context.Request.Method,
                context.Request.Path + context.Request.QueryString,
                context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase),
                body.ToArray()));
            context.Request.Body = new MemoryStream(body.ToArray());
            await next(context);
        });
        map(app);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        gateway = new TestGateway(app, new Uri(address));
        return gateway;
    }

    /// <summary>A loopback port nobody listens on: connecting to it is refused.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    public static IResult Problem(int status, string detail, object? errors = null) => Results.Json(
        errors is null
            ? new { type = $"https://fjord.dev/problems/{status}", title = "problem", status, detail }
            : new { type = $"https://fjord.dev/problems/{status}", title = "problem", status, detail, errors },
        statusCode: status,
        contentType: "application/problem+json");

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
