using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Fjord.Core.Queue;
using Fjord.Core.Storage;
using Fjord.Storage.Sqlite;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Fjord.Gateway.Tests;

/// <summary>
/// A real gateway on Kestrel (loopback, a free port) over the real SQLite store in a fresh temp
/// folder, with the admin key bootstrapped the way `fjord up` does it.
/// </summary>
internal sealed class TestGateway : IAsyncDisposable
{
    private TestGateway(string dir, SqliteStore store, WebApplication app, Uri address, string adminKey, GatewayOptions options)
    {
        Dir = dir;
        Store = store;
        App = app;
        Address = address;
        AdminKey = adminKey;
        Options = options;
        Client = NewClient(adminKey);
    }

    public string Dir { get; }
    public SqliteStore Store { get; private set; }
    public WebApplication App { get; }
    public Uri Address { get; }
    public string AdminKey { get; }
    public GatewayOptions Options { get; }

    /// <summary>Sends the admin key.</summary>
    public HttpClient Client { get; }

    public string DbPath => Path.Combine(Dir, "fjord.db");

    public static async Task<TestGateway> StartAsync(
        Func<GatewayOptions, GatewayOptions>? options = null,
        Action<IServiceCollection>? services = null,
        string? dir = null)
    {
        dir ??= NewTempDir();
        var o = new GatewayOptions { DataDir = dir, SyncInvokeGrace = TimeSpan.FromMilliseconds(500) };
        if (options is not null)
            o = options(o);
        var store = await SqliteStore.OpenAsync(new SqliteStoreOptions { Path = Path.Combine(dir, "fjord.db") }, CancellationToken.None);
        var admin = await AdminKeyBootstrap.EnsureAsync(store, o, CancellationToken.None);

        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(store);
        builder.Services.AddSingleton<IJobQueue>(store);
        builder.Services.AddSingleton<IJobStore>(store);
        builder.Services.AddSingleton<IFunctionStore>(store);
        builder.Services.AddSingleton<IJobMonitor>(store);
        builder.Services.AddSingleton<IKeyStore>(store);
        builder.Services.AddSingleton<IReadinessSource>(store);
        services?.Invoke(builder.Services);
        builder.Services.AddFjordGateway(o);
        var app = builder.Build();
        app.MapFjordGateway();
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new TestGateway(dir, store, app, new Uri(address), admin.Secret!, o);
    }

    public static string NewTempDir()
    {
        var dir = Path.Combine(Path.GetTempPath(), "fjord-gw-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(dir);
        return dir;
    }

    public HttpClient NewClient(string? key)
    {
        var client = new HttpClient { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(30) };
        if (key is not null)
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }

    /// <summary>Creates a key straight in the store and returns its secret.</summary>
    public async Task<string> AddKeyAsync(string ns, params string[] scopes)
    {
        var secret = Auth.ApiKeySecrets.Generate();
        await Store.AddKeyAsync(new ApiKey(Guid.NewGuid().ToString("N")[..8], ns, scopes, DateTimeOffset.UtcNow), Auth.ApiKeySecrets.Hash(secret), CancellationToken.None);
        return secret;
    }

    public async Task<HttpResponseMessage> PutFunctionAsync(string name, string json)
    {
        using var content = new StringContent(json, Encoding.UTF8, "application/json");
        return await Client.PutAsync(new Uri("/v1/functions/" + name, UriKind.Relative), content);
    }

    /// <summary>An exec function running /bin/cat; <paramref name="extra"/> adds JSON members.</summary>
    public async Task CreateFunctionAsync(string name, string extra = "")
    {
        using var response = await PutFunctionAsync(name, $$"""{ "runtime": "exec", "command": ["/bin/cat"] {{(extra.Length > 0 ? ", " + extra : "")}} }""");
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }

    public async Task<HttpResponseMessage> PostJobAsync(string function, string payload, Action<HttpRequestMessage>? configure = null, HttpClient? client = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/functions/{function}/jobs")
        {
            Content = new StringContent(payload, Encoding.UTF8, "text/plain"),
        };
        configure?.Invoke(request);
        return await (client ?? Client).SendAsync(request);
    }

    public static async Task<JsonElement> JsonAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        using var doc = JsonDocument.Parse(text);
        return doc.RootElement.Clone();
    }

    /// <summary>Stops the web app and closes the store; then opens the same file again (durability checks).</summary>
    public async Task<SqliteStore> StopAndReopenStoreAsync()
    {
        await App.StopAsync();
        await Store.DisposeAsync();
        Store = await SqliteStore.OpenAsync(new SqliteStoreOptions { Path = DbPath }, CancellationToken.None);
        return Store;
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
        await Store.DisposeAsync();
        try
        {
            Directory.Delete(Dir, recursive: true);
        }
        catch (IOException)
        {
            // A file still held open by a dying handle: the temp folder is cleaned by the OS later.
        }
    }
}
