using Fjord.Cli.Tests.Support;
using Fjord.Core.Jobs;
using Fjord.Core.Storage;
using Fjord.Storage.Sqlite;
using Microsoft.Data.Sqlite;

namespace Fjord.Cli.Tests.Commands;

/// <summary>
/// `fjord backup` against a real gateway and SQLite store in this process (the admin key in
/// ./.fjord/admin.key as `fjord up` leaves it), and `fjord restore` into another folder.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class BackupCommandsTests : IAsyncLifetime
{
    private readonly TempFolder temp = new();
    private InProcessNode node = null!;

    private SqliteStore store => node.Store;

    private string Data => node.Data;

    private Dictionary<string, string> Env => new() { ["FJORD_URL"] = node.Url };

    public async Task InitializeAsync() => node = await InProcessNode.StartAsync(temp.Path);

    public async Task DisposeAsync()
    {
        await node.DisposeAsync();
        temp.Dispose();
    }

    [Fact]
    public async Task Backup_WritesAPrivateCheckedCopy_ThatRestoreBringsBackIntoAStoppedFolder()
    {
        var job = new NewJob { Id = JobId.New(), Function = "fn", Payload = "kept"u8.ToArray(), MaxAttempts = 1, CreatedAt = DateTimeOffset.UtcNow };
        await store.EnqueueAsync([job], default);

        var backup = await CliRun.RunAsync(["backup", "copy.db"], temp.Path, Env);
        var again = await CliRun.RunAsync(["backup", "copy.db"], temp.Path, Env);
        var restore = await CliRun.RunAsync(["restore", "copy.db", "--data", "restored"], temp.Path, Env);
        var inUse = await CliRun.RunAsync(["restore", "copy.db", "--data", Data, "--replace"], temp.Path, Env);
        var exists = await CliRun.RunAsync(["restore", "copy.db", "--data", "restored"], temp.Path, Env);

        Assert.Equal(ExitCodes.Success, backup.ExitCode);
        Assert.Contains("backup written", backup.Out, StringComparison.Ordinal);
        var copy = Path.Combine(temp.Path, "copy.db");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(copy));
        Assert.False(File.Exists(copy + ".partial"));
        Assert.Equal(ExitCodes.Usage, again.ExitCode);
        Assert.Equal(ExitCodes.Success, restore.ExitCode);
        Assert.Equal(ExitCodes.Failed, inUse.ExitCode);
        inUse.AssertOneErrorLine("in use");
        Assert.Equal(ExitCodes.Failed, exists.ExitCode);
        exists.AssertOneErrorLine("--replace");
        await using var restored = await SqliteStore.OpenAsync(new SqliteStoreOptions { Path = Path.Combine(temp.Path, "restored", "fjord.db") }, default);
        Assert.Equal(JobStatus.Queued, (await restored.GetJobAsync(job.Id, default))!.Status);
    }

    [Fact]
    public async Task Restore_OfAStoreFromANewerFjord_ExitsWithItsOwnCode_AndOneLine()
    {
        var newer = Path.Combine(temp.Path, "newer.db");
        Assert.Equal(ExitCodes.Success, (await CliRun.RunAsync(["backup", newer], temp.Path, Env)).ExitCode);
        using (var connection = new SqliteConnection($"Data Source={newer};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA user_version = 999";
            command.ExecuteNonQuery();
        }

        var run = await CliRun.RunAsync(["restore", newer, "--data", "restored"], temp.Path, Env);

        Assert.Equal(ExitCodes.StoreTooNew, run.ExitCode);
        run.AssertOneErrorLine("schema version 999, newer than this fjord knows");
        Assert.False(File.Exists(Path.Combine(temp.Path, "restored", "fjord.db")));
    }

    [Theory]
    [InlineData("--status", "succeeded")]
    [InlineData("--before", "7d")]
    public async Task PurgeByStatus_NeedsBothStatusAndBefore(string flag, string value)
    {
        var run = await CliRun.RunAsync(["jobs", "purge", flag, value], temp.Path, Env);

        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        run.AssertOneErrorLine("--status and --before go together");
    }

    [Fact]
    public async Task PurgeByStatus_DeletesThroughTheApi()
    {
        var job = new NewJob { Id = JobId.New(), Function = "fn", Payload = "x"u8.ToArray(), MaxAttempts = 1, CreatedAt = DateTimeOffset.UtcNow };
        await store.EnqueueAsync([job], default);
        Assert.Equal(JobCommandResult.Done, await store.CancelAsync(job.Id, default));

        var run = await CliRun.RunAsync(["jobs", "purge", "--status", "canceled", "--before", "0s"], temp.Path, Env);

        Assert.Equal(ExitCodes.Success, run.ExitCode);
        Assert.Equal("purged 1", run.Out.Trim());
        Assert.Null(await store.GetJobAsync(job.Id, default));
    }
}
