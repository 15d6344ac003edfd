using System.Text.Json;

namespace Fjord.Cli.Client;

/// <summary>One row of <c>GET /v1/functions</c>: the spec's headline fields and the live pool state.</summary>
internal sealed record FunctionInfo(
    string Name,
    string? Runtime,
    string? Mode,
    long? Concurrency,
    bool Paused,
    long? Workers,
    long? Busy,
    bool? Healthy,
    string? Problem)
{
    public static FunctionInfo From(JsonElement item)
    {
        var spec = item.Get("spec") ?? item;
        return new FunctionInfo(
            item.String("name") ?? "?",
            spec.String("runtime")?.ToLowerInvariant(),
            spec.String("mode")?.ToLowerInvariant(),
            spec.Number("concurrency"),
            item.Bool("paused") ?? false,
            item.Number("workers"),
            item.Number("busy"),
            item.Bool("healthy"),
            item.String("problem"));
    }
}

/// <summary>The answer to an async submission: 202 (new) or 200 (same idempotency key, same job).</summary>
internal sealed record JobAccepted(string Id, string? Status, bool Existing);

/// <summary>The fields of a job record that `jobs ls` shows.</summary>
internal sealed record JobSummary(
    string Id,
    string Function,
    string Status,
    long? Attempt,
    long? MaxAttempts,
    DateTimeOffset? CreatedAt,
    long? DurationMs,
    string? ErrorKind,
    string? ErrorMessage,
    string? Node)
{
    public static JobSummary From(JsonElement job)
    {
        var error = job.Get("error");
        return new JobSummary(
            job.String("id") ?? "?",
            job.String("function") ?? "?",
            job.String("status")?.ToLowerInvariant() ?? "?",
            job.Number("attempt"),
            job.Number("maxAttempts"),
            job.Time("createdAt"),
            job.Number("durationMs"),
            error?.String("kind")?.ToLowerInvariant(),
            error?.String("message"),
            job.String("node"));
    }
}

internal sealed record JobList(IReadOnlyList<JobSummary> Items, string? Next);

/// <summary>One function's row of <c>GET /v1/queues</c>; succeeded and failed are running totals.</summary>
internal sealed record QueueRow(
    string Name,
    long Ready,
    long Scheduled,
    long Running,
    long Succeeded,
    long Failed,
    long? Workers,
    bool Paused)
{
    public static QueueRow From(JsonElement item) => new(
        item.String("name") ?? "?",
        item.Number("ready") ?? 0,
        item.Number("scheduled") ?? 0,
        item.Number("running") ?? 0,
        item.Number("succeeded") ?? 0,
        item.Number("failed") ?? 0,
        item.Number("workers"),
        item.Bool("paused") ?? false);
}

/// <summary>Options of an async submission, sent as the headers of CONTRACT §4.</summary>
internal sealed record SubmitOptions(string? IdempotencyKey = null, string? CallbackUrl = null, string? Delay = null);

/// <summary>A function's output from a sync invocation, byte for byte.</summary>
internal sealed record InvokeResult(byte[] Body, string? ContentType);

/// <summary>The body of <c>POST /v1/keys</c>.</summary>
internal sealed record KeyCreation(string Name, IReadOnlyList<string> Scopes, string? Namespace, KeyRate? RateLimit, DateTimeOffset? ExpiresAt);

internal sealed record KeyRate(int PerSecond, int Burst);

/// <summary>A key as the gateway shows it; <see cref="Secret"/> only in the answer that created it.</summary>
internal sealed record KeyInfo(
    string Id,
    string? Name,
    string? Secret,
    IReadOnlyList<string> Scopes,
    string? Namespace,
    KeyRate? RateLimit,
    DateTimeOffset? CreatedAt,
    DateTimeOffset? ExpiresAt,
    DateTimeOffset? LastUsedAt)
{
    public static KeyInfo From(JsonElement key) => new(
        key.String("id") ?? "?",
        key.String("name"),
        key.String("key"),
        [.. key.Array("scopes").Select(s => s.ToString())],
        key.String("namespace"),
        key.Get("rateLimit") is { ValueKind: JsonValueKind.Object } rate && rate.Number("perSecond") is { } perSecond
            ? new KeyRate((int)perSecond, (int)(rate.Number("burst") ?? perSecond))
            : null,
        key.Time("createdAt"),
        key.Time("expiresAt"),
        key.Time("lastUsedAt"));
}
