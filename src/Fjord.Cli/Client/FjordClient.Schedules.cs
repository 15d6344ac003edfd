using System.Text.Json;

namespace Fjord.Cli.Client;

internal sealed partial class FjordClient
{
    public async Task<IReadOnlyList<JsonElement>> ListSchedulesAsync(string? function, CancellationToken ct)
    {
        var query = function is null ? "" : "?function=" + Esc(function);
        using var request = new HttpRequestMessage(HttpMethod.Get, "v1/schedules" + query);
        using var response = await SendAsync(request, ControlTimeout, ct);
        var body = await ReadJsonAsync(response, ct);
        return [.. body.Array("schedules")];
    }

    /// <summary>POSTs trigger, pause or resume; the answer's JSON (the accepted job, or the schedule).</summary>
    public async Task<JsonElement> ScheduleCommandAsync(string function, string schedule, string action, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"v1/schedules/{Esc(function)}/{Esc(schedule)}/{action}");
        using var response = await SendAsync(request, ControlTimeout, ct);
        return await ReadJsonAsync(response, ct);
    }
}
