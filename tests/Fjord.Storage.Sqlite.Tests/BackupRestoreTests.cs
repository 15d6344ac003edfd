using Fjord.Core.Jobs;
using Fjord.Core.Storage;
using Microsoft.Data.Sqlite;

namespace Fjord.Storage.Sqlite.Tests;

/// <summary>Online backup of a working store, and restore into a stopped node's folder.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class BackupRestoreTests
{
    private static List<string> Ids(string path)
    {
        using var connection = new SqliteConnection($"Data Source={path};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT id FROM jobs";
        using var reader = command.ExecuteReader();
        var ids = new List<string>();
        while (reader.Read())
            ids.Add(reader.GetString(0));
        return ids;
    }

    [Fact]
    public async Task Backup_WhileJobsArrive_HoldsEveryJobAcceptedBeforeIt_InOnePrivateFile()
    {
        await using var h = await StoreHarness.OpenAsync();
        var accepted = new List<string>();
        for (var i = 0; i < 50; i++)
            accepted.AddRange((await h.Store.EnqueueAsync([h.Job(payload: new string('p', 2000)), h.Job()], CancellationToken.None)).Select(r => r.Id));

        // Intake keeps going during the backup and keeps being answered.
        using var stop = new CancellationTokenSource();
        var during = 0;
        var intake = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                await h.Store.EnqueueAsync([h.Job()], CancellationToken.None);
                during++;
            }
        });
        await Task.Delay(50);
        var backup = Path.Combine(Path.GetDirectoryName(h.DbPath)!, "..", "copy.db");
        await h.Store.BackupAsync(backup, CancellationToken.None);
        await Task.Delay(50);
        await stop.CancelAsync();
        await intake;

        Assert.True(during > 0);
        var copied = Ids(backup);
        Assert.Empty(accepted.Except(copied));
        Assert.Equal(PrivateFiles.FileMode, File.GetUnixFileMode(backup));
        Assert.False(File.Exists(backup + "-wal"));
        Assert.Equal(Schema.Version, SqliteRestore.Check(backup));
        await Assert.ThrowsAsync<IOException>(() => h.Store.BackupAsync(backup, CancellationToken.None));
    }

    [Fact]
    public async Task Restore_OfABackupTakenWhileAJobRan_RunsThatJobAgainAsAfterACrash()
    {
        using var target = new TempFolder();
        var backup = Path.Combine(target.Path, "backup.db");
        string running, waiting;
        await using (var h = await StoreHarness.OpenAsync())
        {
            running = await h.EnqueueAsync(payload: "was running");
            await using var lease = await h.FetchAsync();
            Assert.Equal(running, lease.Job.Id);
            waiting = await h.EnqueueAsync(payload: "was waiting");
            await h.Store.BackupAsync(backup, CancellationToken.None);
            Assert.True(await lease.AckAsync(h.Success(), CancellationToken.None));
        }

        var data = Path.Combine(target.Path, "data");
        Assert.Null(SqliteRestore.Restore(backup, data, replace: false, TimeProvider.System));
        // The harness wrote on its own clock (2030): the restored node runs on the same one.
        await using var restored = await SqliteStore.OpenAsync(new SqliteStoreOptions { Path = Path.Combine(data, "fjord.db"), Time = new ManualTime() }, CancellationToken.None);

        var job = await restored.GetJobAsync(running, CancellationToken.None);
        Assert.Equal(JobStatus.Queued, job!.Status);
        Assert.Equal(ErrorKind.Crash, Assert.Single(job.Attempts).Error!.Kind);
        var ran = new List<string>();
        for (var i = 0; i < 2; i++)
        {
            await using var lease = await restored.FetchAsync("f", "node-b", CancellationToken.None).WaitAsync(StoreHarness.Patience);
            Assert.True(await lease.AckAsync(AttemptOutcome.Success([], "text/plain", "", DateTimeOffset.UtcNow), CancellationToken.None));
            ran.Add(lease.Job.Id);
        }
        Assert.Equal(new[] { running, waiting }.Order(), ran.Order());
        Assert.Equal(2, (await restored.GetJobAsync(running, CancellationToken.None))!.Attempt);
        Assert.Equal(PrivateFiles.FolderMode, File.GetUnixFileMode(data));
        Assert.Equal(PrivateFiles.FileMode, File.GetUnixFileMode(Path.Combine(data, "fjord.db")));
    }

    [Fact]
    public async Task Restore_RefusesAFolderInUse_AndAnExistingStoreUnlessReplaced()
    {
        using var target = new TempFolder();
        var backup = Path.Combine(target.Path, "backup.db");
        await using (var h = await StoreHarness.OpenAsync())
        {
            await h.EnqueueAsync();
            await h.Store.BackupAsync(backup, CancellationToken.None);

            var busy = Assert.Throws<InvalidOperationException>(() => SqliteRestore.Restore(backup, Path.GetDirectoryName(h.DbPath)!, replace: true, TimeProvider.System));
            Assert.Contains("in use", busy.Message, StringComparison.Ordinal);
            Assert.Single(Ids(h.DbPath));
        }

        var data = Path.Combine(target.Path, "data");
        SqliteRestore.Restore(backup, data, replace: false, TimeProvider.System);
        Assert.Throws<InvalidOperationException>(() => SqliteRestore.Restore(backup, data, replace: false, TimeProvider.System));
        var kept = SqliteRestore.Restore(backup, data, replace: true, TimeProvider.System);
        Assert.True(File.Exists(kept));
        Assert.Single(Ids(Path.Combine(data, "fjord.db")));
    }

    [Fact]
    public void Check_RefusesADamagedFile_AndASqliteFileThatIsNotAStore()
    {
        using var folder = new TempFolder();
        var garbage = Path.Combine(folder.Path, "garbage.db");
        File.WriteAllBytes(garbage, [.. "SQLite format 3\0"u8, .. new byte[8192]]);
        Assert.Throws<InvalidDataException>(() => SqliteRestore.Check(garbage));

        var other = Path.Combine(folder.Path, "other.db");
        using (var connection = new SqliteConnection($"Data Source={other};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "CREATE TABLE notes (x); PRAGMA user_version = 1;";
            command.ExecuteNonQuery();
        }
        Assert.Contains("not a fjord store", Assert.Throws<InvalidDataException>(() => SqliteRestore.Check(other)).Message, StringComparison.Ordinal);
        Assert.Throws<InvalidDataException>(() => SqliteRestore.Restore(other, Path.Combine(folder.Path, "data"), replace: false, TimeProvider.System));
        Assert.False(File.Exists(Path.Combine(folder.Path, "data", "fjord.db")));
    }
}
