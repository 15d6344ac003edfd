using System.Net.Http.Json;

namespace Fjord.Cli.Client;

internal sealed partial class FjordClient
{
    public async Task<KeyInfo> CreateKeyAsync(KeyCreation request, CancellationToken ct)
    {
        using var message = new HttpRequestMessage(HttpMethod.Post, "v1/keys") { Content = JsonContent.Create(request, options: Json) };
        using var response = await SendAsync(message, ControlTimeout, ct);
        return KeyInfo.From(await ReadJsonAsync(response, ct));
    }

    public async Task<IReadOnlyList<KeyInfo>> ListKeysAsync(CancellationToken ct)
    {
        using var message = new HttpRequestMessage(HttpMethod.Get, "v1/keys");
        using var response = await SendAsync(message, ControlTimeout, ct);
        return [.. (await ReadJsonAsync(response, ct)).Array("items").Select(KeyInfo.From)];
    }

    public async Task RevokeKeyAsync(string id, CancellationToken ct)
    {
        using var message = new HttpRequestMessage(HttpMethod.Delete, $"v1/keys/{Esc(id)}");
        using var response = await SendAsync(message, ControlTimeout, ct);
    }

    /// <summary>Replaces the key this client uses: the answer holds the new secret; the old key no longer works.</summary>
    public async Task<KeyInfo> RotateOwnKeyAsync(CancellationToken ct)
    {
        using var message = new HttpRequestMessage(HttpMethod.Post, "v1/keys:rotate");
        using var response = await SendAsync(message, ControlTimeout, ct);
        return KeyInfo.From(await ReadJsonAsync(response, ct));
    }
}
