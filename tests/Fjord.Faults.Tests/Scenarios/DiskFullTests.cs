using Fjord.Faults.Tests.Harness;
using Microsoft.Data.Sqlite;
using Xunit.Abstractions;

namespace Fjord.Faults.Tests.Scenarios;

/// <summary>
/// Scenario 6: the data folder's disk fills up under load (a 32 MiB tmpfs topped up by a filler
/// file). While it is full, intake answers 503 for what it cannot write and never a 202 that is
/// not durable; the store does not corrupt; once the filler is deleted every earlier 202
/// completes and intake accepts again.
/// </summary>
[Collection("faults")]
public sealed class DiskFullTests(ITestOutputHelper output)
{
    [Fact]
    public async Task DataDisk_FillsUpUnderLoad_IntakeAnswers503AndEveryEarlier202CompletesOnceSpaceReturns()
    {
        using var dir = new TempDir();
        using var disk = Tmpfs.Mount(dir.Combine("disk"), "32m");
        var filler = Path.Combine(disk.Path, "filler");
        var dataDir = Path.Combine(disk.Path, "data");
        FaultReport report;
        TimeSpan fullAt, freedAt;
        int exitCode;
        await using (var s = await FaultScenario.StartAsync(
            [new RecorderFunction("rec") { Concurrency = 4 }],
            new Dictionary<string, string> { ["FJORD_LEASE"] = "2s" },
            dataDir,
            requestTimeout: TimeSpan.FromSeconds(5)))
        {
            // 32 MiB is below doctor's 1 GiB advice: the node starts anyway and says so once.
            Assert.Contains("doctor: FAIL  data folder", s.Node.Output, StringComparison.Ordinal);
            Assert.Contains("MiB free on its disk", s.Node.Output, StringComparison.Ordinal);
            var load = s.Load.RunAsync("rec", count: 3000, perSecond: 250, inFlight: 32, sleepMs: 2);
            await Task.Delay(TimeSpan.FromSeconds(3));

            Tmpfs.Fill(filler);
            fullAt = s.Load.Elapsed;
            // Stay full for 4 s, topping up whatever the node manages to free (a checkpoint, a log).
            while (s.Load.Elapsed - fullAt < TimeSpan.FromSeconds(4))
            {
                await Task.Delay(100);
                Tmpfs.Fill(filler);
            }
            freedAt = s.Load.Elapsed;
            File.Delete(filler);
            await load;

            report = await s.SettleAndCheckAsync("6. the data disk fills up under load", TimeSpan.FromSeconds(90), null, "rec");
            output.WriteLine(report.ToString());
            var sent = s.Load.Sent;
            // The store says "full" with its first 503. Even after that, a commit can still fit in
            // space SQLite already owns (after a checkpoint the WAL is rewritten from its start,
            // in blocks it holds): such a 202 is durable, and a 202 is a promise of durability,
            // not of free space. So the rule is: every 202 given while the disk was full is a job
            // that completes, and the store refuses (503) what it cannot write, never 202s it.
            var first503 = sent.Where(x => x.Status == 503).Select(x => x.At).DefaultIfEmpty(TimeSpan.MaxValue).Min();
            var whileFull = sent.Where(x => x.At > fullAt && x.At < freedAt).ToList();
            var acceptedWhileFull = whileFull.Where(x => x.Answer == Answer.Accepted).ToList();
            var afterwards = sent.Where(x => x.At > freedAt + TimeSpan.FromSeconds(1)).ToList();
            output.WriteLine($"disk full at {fullAt.TotalSeconds:F2} s, first 503 for a request sent at {first503.TotalSeconds:F2} s, filler deleted at {freedAt.TotalSeconds:F2} s");
            output.WriteLine($"while full: {whileFull.Count} requests, {whileFull.Count(x => x.Status == 503)} answered 503, {acceptedWhileFull.Count} answered 202 (each must complete)");
            output.WriteLine($"after the filler was deleted: {afterwards.Count(x => x.Answer == Answer.Accepted)} of {afterwards.Count} accepted");

            Assert.True(first503 < freedAt, "a full disk must be answered with 503");
            Assert.True(whileFull.Count(x => x.Status == 503) > whileFull.Count / 2, "most requests while the disk is full must be refused with 503");
            Assert.All(whileFull, x => Assert.True(x.Answer is Answer.Accepted or Answer.Rejected && x.Status is 202 or 503, $"{x}"));
            foreach (var x in acceptedWhileFull)
                Assert.Equal("succeeded", (await JobsApi.GetAsync(s.Node.Http, x.Id!)).Status);
            Assert.True(afterwards.Count(x => x.Answer == Answer.Accepted) > afterwards.Count / 2, "intake must accept again once space returns");
            exitCode = await s.Node.TerminateAsync(TimeSpan.FromSeconds(30));
        }

        output.WriteLine($"node exit code after SIGTERM: {exitCode}");
        Assert.Equal(0, report.Lost);
        Assert.Equal(0, report.Stuck);
        Assert.Equal(0, report.Phantom);
        Assert.Equal(0, report.Crossed);
        Assert.Equal("ok", IntegrityCheck(Path.Combine(dataDir, "fjord.db")));
        // Contract §5: a job runs more than once only after a failure its record counts.
        Assert.Equal(0, report.DuplicatesWithoutFailure);
    }

    private static string IntegrityCheck(string db)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = db, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA integrity_check";
        return (string)command.ExecuteScalar()!;
    }
}
