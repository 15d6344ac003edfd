using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;
using Fjord.Core.Functions;

namespace Fjord.Cli.Client;

/// <summary>
/// Typed client of the gateway's HTTP API (CONTRACT §4). Every failure surfaces as a
/// <see cref="CliException"/> carrying the exit code of CONTRACT §1, so commands never map errors
/// themselves and never leak a stack trace.
/// </summary>
internal sealed partial class FjordClient : IDisposable, Commands.IDeployTarget
{
    /// <summary>Bound on control calls; a sync invocation waits as long as the gateway lets it (its 504 ends it).</summary>
    private static readonly TimeSpan ControlTimeout = TimeSpan.FromSeconds(100);

    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    private readonly HttpClient http;
    private readonly ClientSettings settings;

    public FjordClient(Uri url, string? key, HttpMessageHandler? handler = null)
        : this(new ClientSettings(url, key, "the given key"), handler)
    {
    }

    public FjordClient(ClientSettings settings, HttpMessageHandler? handler = null)
    {
        this.settings = settings;
        handler ??= new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(10) };
        http = new HttpClient(handler, disposeHandler: true)
        {
            // A trailing slash keeps a path prefix ($FJORD_URL=https://host/fjord) when the
            // relative API paths are resolved against it.
            BaseAddress = settings.Url.AbsolutePath.EndsWith('/') ? settings.Url : new Uri(settings.Url + "/"),
            Timeout = Timeout.InfiniteTimeSpan,
        };
        if (settings.Key is { } key)
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("fjord-cli", "1"));
    }

    public Uri Url => settings.Url;

    public void Dispose() => http.Dispose();

    /// <summary>Uploads a zip bundle; returns the content hash the gateway stored it under.</summary>
    public async Task<string> UploadBundleAsync(string name, byte[] zip, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, $"v1/functions/{Esc(name)}/bundle")
        {
            Content = new ByteArrayContent(zip) { Headers = { ContentType = new MediaTypeHeaderValue("application/zip") } },
        };
        using var response = await SendAsync(request, ControlTimeout, ct);
        var body = await ReadJsonAsync(response, ct);
        return body.String("bundle") ?? body.String("hash")
            ?? throw CliException.Failed($"the gateway's answer to the bundle upload of '{name}' names no bundle");
    }

    /// <summary>Creates or updates a function; true when it was created (201), false when updated (200).</summary>
    public async Task<bool> PutFunctionAsync(string name, FunctionDocument document, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, $"v1/functions/{Esc(name)}")
        {
            Content = JsonContent.Create(document, options: Json),
        };
        using var response = await SendAsync(request, ControlTimeout, ct);
        return response.StatusCode == HttpStatusCode.Created;
    }

    public async Task<IReadOnlyList<FunctionInfo>> ListFunctionsAsync(CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "v1/functions");
        using var response = await SendAsync(request, ControlTimeout, ct);
        var body = await ReadJsonAsync(response, ct);
        return [.. body.Array("items").Select(FunctionInfo.From)];
    }

    public async Task DeleteFunctionAsync(string name, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Delete, $"v1/functions/{Esc(name)}");
        using var response = await SendAsync(request, ControlTimeout, ct);
    }

    public async Task SetPausedAsync(string name, bool paused, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"v1/functions/{Esc(name)}/{(paused ? "pause" : "resume")}");
        using var response = await SendAsync(request, ControlTimeout, ct);
    }

    private static string Esc(string segment) => Uri.EscapeDataString(segment);
}
