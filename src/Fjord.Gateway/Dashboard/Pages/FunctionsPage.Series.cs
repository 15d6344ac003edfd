using System.Text.Json;
using Fjord.Gateway.Auth;
using Fjord.Gateway.Endpoints;
using Microsoft.AspNetCore.Http;

namespace Fjord.Gateway.Dashboard;

internal sealed partial class FunctionsPage
{
    /// <summary>
    /// <c>/dashboard/stats/{name}</c>: the function's depth (ready, scheduled, running) and oldest
    /// ready age over the overview's 15-minute window, from the same samples (no extra store reads).
    /// </summary>
    public async Task SeriesAsync(HttpContext context)
    {
        if (await Route.AuthorizedFunctionAsync(context, Scope.Read) is not { } name)
            return;
        var (_, window) = await history.ReadAsync(context.RequestAborted);
        context.Response.ContentType = "application/json";
        await using var json = new Utf8JsonWriter(context.Response.Body);
        json.WriteStartObject();
        Series(json, "t", window, (s, _) => s.At.ToUnixTimeMilliseconds() / 1000.0);
        Series(json, "ready", window, (_, q) => q?.Ready ?? 0);
        Series(json, "scheduled", window, (_, q) => q?.Scheduled ?? 0);
        Series(json, "running", window, (_, q) => q?.Running ?? 0);
        Series(json, "oldestReadyAgeS", window, (_, q) => (q?.OldestReadyAgeMs ?? 0) / 1000.0);
        json.WriteEndObject();
        await json.FlushAsync(context.RequestAborted);

        void Series(Utf8JsonWriter w, string field, ThroughputHistory.Sample[] samples, Func<ThroughputHistory.Sample, Fjord.Core.Storage.QueueStats?, double> value)
        {
            w.WriteStartArray(field);
            foreach (var s in samples)
                w.WriteNumberValue(Math.Round(value(s, s.Queues.FirstOrDefault(q => q.Name == name)), 3));
            w.WriteEndArray();
        }
    }
}
