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
/// holds the most jobs retention ever keeps). The store's files (fjord.db, its WAL and -shm) are
/// measured every second, their free pages at each hour's end. Since the store gives freed pages
/// back (incremental vacuum, then a TRUNCATE checkpoint), the size is a saw tooth: up while jobs
/// pile up for a minute, down after each sweep. One sample per hour would land anywhere on it,
/// so each hour reports its largest and its last size. It passes when the file at the end is no
/// bigger than the largest it was in the first hour; it also prints how the end compares with
/// the first hour's last sample and each hour's peak with the first's.
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
        var samples = new List<(int Hour, long Sent, long Db, long Wal, long FreePages, long End, long Peak, long Low)>();
        var latencies = new List<long>();
        long sent = 0;
        var errors = 0;
        var clock = Stopwatch.StartNew();
        for (var hour = 1; hour <= hours; hour++)
        {
            long peak = 0, low = long.MaxValue;
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
                var now = Files(db);
                peak = Math.Max(peak, now);
                low = Math.Min(low, now);
            }
            var sample = (hour, sent, Size(db), Size(db + "-wal"), FreePages(db), Files(db), peak, low);
            samples.Add(sample);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"soak: hour {hour,2} at {clock.Elapsed.TotalMinutes,5:F1} min: {sent,8} jobs sent, fjord.db {sample.Item3 / 1048576.0,6:F1} MB, wal {sample.Item4 / 1048576.0,5:F1} MB, free pages {sample.Item5}; files this hour {low / 1048576.0:F1}-{peak / 1048576.0:F1} MB, load {Load()}"));
        }

        var firstPeak = samples[0].Peak;
        var firstEnd = samples[0].End;
        var last = samples[^1].End;
        var lastPeak = samples[^1].Peak;
        var bounded = last <= firstPeak;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"soak: {sent} jobs in {clock.Elapsed.TotalMinutes:F1} min; files at the end {last / 1048576.0:F1} MB, hour 1 peak {firstPeak / 1048576.0:F1} MB: {(bounded ? "bounded" : "GREW")}; hour 1's last sample {firstEnd / 1048576.0:F1} MB ({(last <= firstEnd ? "end no bigger" : "end bigger")}); hour {hours} peak {lastPeak / 1048576.0:F1} MB ({(lastPeak <= firstPeak ? "no bigger than hour 1's" : "bigger than hour 1's")}); largest hour peak {samples.Max(s => s.Peak) / 1048576.0:F1} MB"));
        return
        [
            (new LoadResult("soak batch POST", latencies.Count, clock.Elapsed, [.. latencies], errors), "req/s"),
            (new LoadResult("soak files MB, hour 1 peak", (int)(firstPeak >> 20), TimeSpan.FromSeconds(1), [], 0), "MB"),
            (new LoadResult($"soak files MB at the end of hour {hours}", (int)(last >> 20), TimeSpan.FromSeconds(1), [], bounded ? 0 : 1), "MB"),
        ];
    }

    private static int Setting(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value > 0 ? value : fallback;

    private static long Size(string path) => File.Exists(path) ? new FileInfo(path).Length : 0;

    /// <summary>What the store takes on disk: the file, its WAL and the WAL's index.</summary>
    private static long Files(string db) => Size(db) + Size(db + "-wal") + Size(db + "-shm");

    private static string Load() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "?";

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
