using System.Text;
using Fjord.Core.Functions;
using Fjord.Core.Jobs;
using Fjord.Core.Queue;

namespace Fjord.Backends.Tests;

internal static class Jobs
{
    public static string NewFunction() => "f" + Guid.NewGuid().ToString("N")[..10];

    public static NewJob New(string function, string payload = "hi", int maxAttempts = 3, DateTimeOffset? runAt = null, string? key = null, DateTimeOffset? createdAt = null, string? callbackUrl = null) => new()
    {
        Id = JobId.New(),
        Function = function,
        Payload = Encoding.UTF8.GetBytes(payload),
        ContentType = "text/plain",
        MaxAttempts = maxAttempts,
        CreatedAt = createdAt ?? DateTimeOffset.UtcNow,
        RunAt = runAt,
        IdempotencyKey = key,
        CallbackUrl = callbackUrl,
    };

    public static FunctionSpec Spec(string name, int concurrency = 4, int maxDepth = 100_000, TimeSpan? maxAge = null) => new()
    {
        Name = name,
        Runtime = FunctionRuntime.Exec,
        Command = ["/bin/cat"],
        Concurrency = concurrency,
        MaxQueueDepth = maxDepth,
        MaxAge = maxAge,
    };

    public static AttemptOutcome Ok(string result = "done") =>
        AttemptOutcome.Success(Encoding.UTF8.GetBytes(result), "text/plain", "log line", DateTimeOffset.UtcNow);

    /// <summary>Larger than any free space a store file keeps: its write must grow the file.</summary>
    public const int LargeResult = 2 * 1024 * 1024;

    public static AttemptOutcome Failed(string message = "boom") =>
        AttemptOutcome.Failure(new JobError(ErrorKind.Exit, message, 1), "failing log", DateTimeOffset.UtcNow);

    /// <summary>Fetches with a generous deadline; the test fails (OperationCanceledException) when nothing comes.</summary>
    public static async Task<IJobLease> FetchAsync(this IJobQueue queue, string function, string node = "node-a", double seconds = 15)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
        return await queue.FetchAsync(function, node, timeout.Token);
    }

    /// <summary>True when a fetch returns nothing within <paramref name="seconds"/>.</summary>
    public static async Task<bool> NothingWithinAsync(this IJobQueue queue, string function, double seconds)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
        try
        {
            var lease = await queue.FetchAsync(function, "node-probe", timeout.Token);
            await lease.DisposeAsync();
            return false;
        }
        catch (OperationCanceledException)
        {
            return true;
        }
    }
}
