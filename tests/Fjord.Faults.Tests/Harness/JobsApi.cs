using System.Text.Json;

namespace Fjord.Faults.Tests.Harness;

internal sealed record ErrorDto(string Kind, string Message);

internal sealed record AttemptDto(int Number, string Outcome, string? Node, ErrorDto? Error);

internal sealed record JobDto(string Id, string Function, string Status, int Attempt, int MaxAttempts, ErrorDto? Error, IReadOnlyList<AttemptDto> Attempts)
{
    public bool Terminal => Status is "succeeded" or "failed" or "canceled";
}

internal sealed record QueueDto(string Name, long Ready, long Scheduled, long Running, long Succeeded, long Failed)
{
    public long Pending => Ready + Scheduled + Running;
}

/// <summary>The read side the checker uses: the public HTTP API only, as a user would see it.</summary>
internal static class JobsApi
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private sealed record Page(List<JobDto> Items, string? Next);

    private sealed record Queues(List<QueueDto> Functions);

    public static async Task<JobDto> GetAsync(HttpClient http, string id) =>
        JsonSerializer.Deserialize<JobDto>(await http.GetStringAsync($"/v1/jobs/{id}"), Json)!;

    /// <summary>Every job of the function, with its attempts, through the cursor-paged list.</summary>
    public static async Task<List<JobDto>> ListAllAsync(HttpClient http, string function)
    {
        var all = new List<JobDto>();
        string? cursor = null;
        do
        {
            var url = $"/v1/jobs?function={function}&limit=1000" + (cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor));
            var page = JsonSerializer.Deserialize<Page>(await http.GetStringAsync(url), Json)!;
            all.AddRange(page.Items);
            cursor = page.Next;
        }
        while (cursor is not null);
        return all;
    }

    public static async Task<QueueDto> QueueAsync(HttpClient http, string function)
    {
        var queues = JsonSerializer.Deserialize<Queues>(await http.GetStringAsync("/v1/queues"), Json)!;
        return queues.Functions.Single(f => f.Name == function);
    }

    /// <summary>
    /// Waits until nothing of the functions is ready, scheduled or running. Returns false on
    /// timeout instead of throwing: what is left then is reported as stuck by the checker.
    /// </summary>
    public static async Task<bool> WaitSettledAsync(HttpClient http, TimeSpan timeout, params string[] functions)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            var pending = 0L;
            try
            {
                foreach (var f in functions)
                    pending += (await QueueAsync(http, f)).Pending;
            }
            catch (HttpRequestException)
            {
                pending = -1;
            }
            if (pending == 0)
                return true;
            await Task.Delay(200);
        }
        return false;
    }
}
