using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.Data.Sqlite;

namespace Fjord.Bench;

/// <summary>
/// Issue 16's retention soak (`bench/run.sh --only soak`): a day of traffic compressed into
/// minutes. `fjord up` runs bench/soak.bench.yml (one warm Python function, <c>retention: 1m</c>);
/// a steady <c>FJORD_SOAK_RATE</c> jobs/s (default 40, 1 KB payloads, one batch a second) flows
/// for <c>FJORD_SOAK_HOURS</c> "hours" (default 24) of <c>FJORD_SOAK_HOUR_SECONDS</c> each (default
/// 150: longer than the retention plus the sweeper's one-minute round, so the first hour already
/// holds the most jobs retention ever keeps). At each hour's end the store's file (fjord.db plus
/// its WAL) and its free pages are sampled. It passes when the last hour's file is no bigger than
/// the first hour's: SQLite reuses the pages the sweeper freed instead of growing the file.
/// </summary>
internal static class SoakGroup
{
    public static async Task<List<(LoadResult, string)>> RunAsync(string root, string fjordDll)
    {
        var rate = Setting("FJORD_SOAK_RATE", 40);
        var hours = Setting("FJORD_SOAK_HOURS", 24);
        var hourSeconds = Setting("FJORD_SOAK_HOUR_SECONDS", 150);
        var payload = Encoding.UTF8.GetBytes("{\"data\":\"" + new string('x', 1000) + "\"}");
        var body = Encoding.UTF8.GetBytes("[" + string.Join(',', Enumerable.Repeat(Encoding.UTF8.GetString(payload), rate)) + "]");
        Console.WriteLine($"soak: {rate} jobs/s, {hours} hours of {hourSeconds} s, retention 1m");

        await using var node = await Node.StartAsync(fjordDll, Path.Combine(root, "bench/soak.bench.yml"), 18090);
        var db = Path.Combine(node.DataDir, "fjord.db");
        var samples = new List<(int Hour, long Sent, long Db, long Wal, long FreePages)>();
        var latencies = new List<long>();
        long sent = 0;
        var errors = 0;
        var clock = Stopwatch.StartNew();
        for (var hour = 1; hour <= hours; hour++)
        {
            for (var second = 0; second < hourSeconds; second++)
            {
                var due = TimeSpan.FromSeconds(((hour - 1) * hourSeconds) + second);
                if (due > clock.Elapsed)
                    await Task.Delay(due - clock.Elapsed);
                var start = Stopwatch.GetTimestamp();
                using var content = new ByteArrayContent(body);
                using var response = await node.Http.PostAsync("/v1/functions/soak/jobs:batch", content);
                latencies.Add(Stopwatch.GetTimestamp() - start);
                if (response.StatusCode == HttpStatusCode.Accepted)
                    sent += rate;
                else
                    errors++;
            }
            var sample = (hour, sent, Size(db), Size(db + "-wal"), FreePages(db));
            samples.Add(sample);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"soak: hour {hour,2} at {clock.Elapsed.TotalMinutes,5:F1} min: {sent,8} jobs sent, fjord.db {sample.Item3 / 1048576.0,6:F1} MB, wal {sample.Item4 / 1048576.0,5:F1} MB, free pages {sample.Item5}"));
        }

        var first = samples[0].Db + samples[0].Wal;
        var last = samples[^1].Db + samples[^1].Wal;
        var peak = samples.Max(s => s.Db + s.Wal);
        var bounded = last <= first;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"soak: {sent} jobs in {clock.Elapsed.TotalMinutes:F1} min; file after hour 1 {first / 1048576.0:F1} MB, after hour {hours} {last / 1048576.0:F1} MB, peak {peak / 1048576.0:F1} MB: {(bounded ? "bounded" : "GREW")}"));
        return
        [
            (new LoadResult("soak batch POST", latencies.Count, clock.Elapsed, [.. latencies], errors), "req/s"),
            (new LoadResult("soak file MB after hour 1", (int)(first >> 20), TimeSpan.FromSeconds(1), [], 0), "MB"),
            (new LoadResult($"soak file MB after hour {hours}", (int)(last >> 20), TimeSpan.FromSeconds(1), [], bounded ? 0 : 1), "MB"),
        ];
    }

    private static int Setting(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value > 0 ? value : fallback;

    private static long Size(string path) => File.Exists(path) ? new FileInfo(path).Length : 0;

    /// <summary>The pages the sweeper freed and SQLite has not yet reused (read-only, beside the node's writer).</summary>
    private static long FreePages(string path)
    {
        using var connection = new SqliteConnection($"Data Source={path};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA freelist_count";
        return (long)command.ExecuteScalar()!;
    }
}
