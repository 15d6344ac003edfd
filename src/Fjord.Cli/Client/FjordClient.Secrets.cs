using System.Net.Http.Headers;
using System.Text.Json;

namespace Fjord.Cli.Client;

/// <summary>A secret as `fjord secrets ls` shows it: the API never sends a value.</summary>
internal sealed record SecretInfo(string Name, long? Size, DateTimeOffset? CreatedAt, DateTimeOffset? UpdatedAt)
{
    public static SecretInfo From(JsonElement e) => new(e.String("name") ?? "?", e.Number("size"), e.Time("createdAt"), e.Time("updatedAt"));
}

internal sealed partial class FjordClient
{
    public async Task PutSecretAsync(string name, byte[] value, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, $"v1/secrets/{Esc(name)}")
        {
            Content = new ByteArrayContent(value) { Headers = { ContentType = new MediaTypeHeaderValue("application/octet-stream") } },
        };
        using var response = await SendAsync(request, ControlTimeout, ct);
    }

    public async Task<IReadOnlyList<SecretInfo>> ListSecretsAsync(CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "v1/secrets");
        using var response = await SendAsync(request, ControlTimeout, ct);
        var body = await ReadJsonAsync(response, ct);
        return [.. body.Array("items").Select(SecretInfo.From)];
    }

    public async Task DeleteSecretAsync(string name, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Delete, $"v1/secrets/{Esc(name)}");
        using var response = await SendAsync(request, ControlTimeout, ct);
    }
}
