using Fjord.Core.Functions;
using Fjord.Core.Jobs;
using Fjord.Faults.Tests.Harness;
using Fjord.Storage.Sqlite;

namespace Fjord.Faults.Tests.Findings;

/// <summary>
/// Found by scenario 6: a job that ran to its end, whose ack met a full disk, is handed back
/// uncounted and runs again as the same attempt number; its record then shows one attempt for two
/// runs. This is the smallest reproduction: the store on a tiny tmpfs, and exactly what
/// JobProcessor does (ack, which throws; then dispose the lease, which releases it).
/// CONTRACT §5: "A job runs more than once only after such a failure, and its record counts every attempt."
/// </summary>
[Collection("faults")]
public sealed class AckOnFullDiskTests
{
    [Fact]
    public async Task Lease_AckRefusedByAFullDisk_TheRerunIsCountedAsANewAttempt()
    {
        using var dir = new TempDir();
        using var disk = Tmpfs.Mount(dir.Combine("disk"), "8m");
        var filler = Path.Combine(disk.Path, "filler");
        await using var store = await SqliteStore.OpenAsync(
            new SqliteStoreOptions { Path = Path.Combine(disk.Path, "fjord.db"), LeaseDuration = TimeSpan.FromSeconds(2) }, default);
        await store.PutFunctionAsync(new FunctionSpec { Name = "f", Command = ["true"] }, default);
        var id = JobId.New();
        await store.EnqueueAsync([new NewJob { Id = id, Function = "f", Payload = "x"u8.ToArray(), MaxAttempts = 5, CreatedAt = DateTimeOffset.UtcNow }], default);

        var lease = await store.FetchAsync("f", "node-a", default);
        Assert.Equal(1, lease.Job.Attempt);
        // Attempt 1 ran to its end (its side effects happened); now its ack meets a full disk.
        Tmpfs.Fill(filler);
        await Assert.ThrowsAnyAsync<Exception>(() =>
            lease.AckAsync(AttemptOutcome.Success("done"u8.ToArray(), "text/plain", "", DateTimeOffset.UtcNow), default));
        File.Delete(filler);
        // JobProcessor holds the lease in `await using`: after the failed ack it is disposed.
        await lease.DisposeAsync();

        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await using var again = await store.FetchAsync("f", "node-a", wait.Token);
        // The second run must be attempt 2, with attempt 1 in the record; today it is attempt 1 again.
        Assert.Equal(2, again.Job.Attempt);
    }
}
