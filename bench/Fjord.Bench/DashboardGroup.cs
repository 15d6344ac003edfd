using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Data.Sqlite;

namespace Fjord.Bench;

/// <summary>
/// The dashboard on a big embedded store: `fjord up` creates the store and deploys four functions,
/// stops; 1,000,000 jobs (with their attempts, logs, payloads, results and counters) are written
/// straight into the SQLite file with the store's own schema; `fjord up` starts again on it and
/// every dashboard page is fetched by a signed-in browser session, one request at a time.
/// </summary>
internal static partial class DashboardGroup
{
    private const string Key = "fjk_bench_dashboard";
    // A free port chosen at start: other benches (and other worktrees' runs) use fixed ones.
    private static readonly int Port = FreePort();
    private static readonly string[] Functions = ["resize", "thumbnail", "email", "report"];

    public static async Task<List<(LoadResult, string)>> RunAsync(string root, string fjordDll, int scale)
    {
        var jobs = 1_000_000 / scale;
        var dir = Path.Combine(Path.GetTempPath(), "fjord-bench-dash-" + Guid.NewGuid().ToString("N")[..8]);
        var env = new Dictionary<string, string> { ["FJORD_ADMIN_KEY"] = Key };
        var results = new List<(LoadResult, string)>();
        try
        {
            await using (var first = await FjordProcess.StartAsync(fjordDll, "node", env,
                "up", "--data", dir, "--port", Text(Port), "-f", Path.Combine(root, "bench/dashboard.bench.yml")))
            {
                // Dispatch of `report` stops, so its waiting jobs stay put while the pages are timed.
                using var api = Client(null);
                api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Key);
                (await api.PostAsync(new Uri("/v1/functions/report/pause", UriKind.Relative), null)).EnsureSuccessStatusCode();
            }
            var fill = Stopwatch.StartNew();
            var sample = Fill(Path.Combine(dir, "fjord.db"), jobs);
            Console.WriteLine($"dashboard: wrote {jobs:N0} jobs into the store in {fill.Elapsed.TotalSeconds:F1} s");

            await using var node = await FjordProcess.StartAsync(fjordDll, "node", env, "up", "--data", dir, "--port", Text(Port));
            using var browser = await SignInAsync();
            var deep = await CursorAsync(browser, "/jobs?function=resize", pages: 20);
            string[] pages =
            [
                "/", "/dashboard/stats", "/functions", "/functions/resize",
                "/jobs", "/dashboard/jobs", "/jobs?status=failed", "/jobs?function=resize&status=failed",
                "/jobs?errorKind=timeout", "/jobs?function=email&errorKind=memory", "/jobs?function=email&status=canceled",
                "/jobs?function=report&status=queued", "/jobs?function=resize&status=running", "/jobs?function=thumbnail&status=queued",
                "/jobs?since=1h", "/jobs?function=resize&cursor=" + deep,
                "/jobs/" + sample, "/dead-letters",
            ];
            foreach (var page in pages)
            {
                if (await TimeAsync(browser, page) is { } result)
                    results.Add((result, "req/s"));
            }
        }
        finally
        {
            // FJORD_BENCH_KEEP=1 leaves the filled store for a look at query plans (sqlite3 <dir>/fjord.db).
            if (Environment.GetEnvironmentVariable("FJORD_BENCH_KEEP") == "1")
                Console.WriteLine($"dashboard: store kept in {dir}");
            else
                Delete(dir);
        }
        return results;
    }

    /// <summary>Three warm-up fetches, then 20 timed; a page the build does not have is left out with a note.</summary>
    private static async Task<LoadResult?> TimeAsync(HttpClient browser, string path)
    {
        using (var probe = await browser.GetAsync(new Uri(path, UriKind.Relative)))
        {
            // Not a dashboard page in this build: the route is unknown (404) or falls to the API's bearer check (401).
            if (probe.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Unauthorized)
            {
                Console.WriteLine($"dashboard: {path} is not in this build ({(int)probe.StatusCode}), skipped");
                return null;
            }
        }
        for (var i = 0; i < 2; i++)
            (await browser.GetAsync(new Uri(path, UriKind.Relative))).Dispose();
        const int count = 20;
        var ticks = new long[count];
        var errors = 0;
        var all = Stopwatch.StartNew();
        for (var i = 0; i < count; i++)
        {
            var start = Stopwatch.GetTimestamp();
            using var response = await browser.GetAsync(new Uri(path, UriKind.Relative));
            await response.Content.ReadAsByteArrayAsync();
            ticks[i] = Stopwatch.GetTimestamp() - start;
            if (response.StatusCode != HttpStatusCode.OK)
                errors++;
        }
        var name = "page " + (path.Length > 40 ? path[..40] + "…" : path);
        return new LoadResult(name, count, all.Elapsed, ticks, errors);
    }

    private static HttpClient Client(CookieContainer? cookies) => new(new SocketsHttpHandler
    {
        AllowAutoRedirect = false,
        UseCookies = cookies is not null,
        CookieContainer = cookies ?? new CookieContainer(),
    })
    {
        BaseAddress = new Uri($"http://127.0.0.1:{Port}"),
        Timeout = TimeSpan.FromMinutes(2),
    };

    private static async Task<HttpClient> SignInAsync()
    {
        var browser = Client(new CookieContainer());
        using var form = new FormUrlEncodedContent([new("key", Key)]);
        using var answer = await browser.PostAsync(new Uri("/login", UriKind.Relative), form);
        if (answer.StatusCode != HttpStatusCode.Redirect)
            throw new InvalidOperationException($"sign-in failed: {(int)answer.StatusCode}");
        return browser;
    }

    /// <summary>Follows the "Older" link <paramref name="pages"/> times and returns that cursor: a page deep in the list.</summary>
    private static async Task<string> CursorAsync(HttpClient browser, string path, int pages)
    {
        var cursor = "";
        for (var i = 0; i < pages; i++)
        {
            var html = await browser.GetStringAsync(new Uri(path + (cursor.Length > 0 ? "&cursor=" + cursor : ""), UriKind.Relative));
            cursor = CursorLink().Match(html).Groups[1].Value;
        }
        return cursor;
    }

    [GeneratedRegex("cursor=([0-9a-f]{32})\" rel=\"next\"")]
    private static partial Regex CursorLink();

    /// <summary>
    /// Writes <paramref name="count"/> jobs over the last 7 days, oldest first, as the store would
    /// have: 90 % succeeded, 7 % failed (every error kind), 2 % canceled, the newest 1 % waiting in
    /// the paused `report`; one attempt each with its log; the counters to match. Returns the id of
    /// a failed job in the middle, for the job page.
    /// </summary>
    private static string Fill(string path, int count)
    {
        using var db = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        db.Open();
        Exec(db, "PRAGMA synchronous = OFF; PRAGMA cache_size = -262144;");
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var start = now - (long)TimeSpan.FromDays(7).TotalMilliseconds;
        var step = (now - start) / count;
        var kinds = new[] { "exit", "exception", "timeout", "crash", "memory", "expired" };
        var random = new Random(12);
        var succeeded = new long[Functions.Length];
        var failed = new long[Functions.Length];
        var waitingFrom = count - count / 100;
        string? sample = null;
        var payload = Encoding.UTF8.GetBytes("""{"image":"s3://bucket/photos/0001.jpg","width":640,"height":480}""");
        var result = Encoding.UTF8.GetBytes("""{"ok":true,"bytes":48213}""");
        var log = "fetched s3://bucket/photos/0001.jpg\nresized to 640x480\n";
        var tx = db.BeginTransaction();
        using var job = Prepare(db, """
            INSERT INTO jobs (id, function, status, attempt, max_attempts, created_at, run_at, started_at, finished_at, node, content_type,
                error_kind, error_message, error_exit_code, result_content_type, trace, payload, result)
            VALUES ($id, $function, $status, $attempt, 5, $created, $created, $started, $finished, $node, 'application/json',
                $kind, $message, $exit, $rct, $trace, $payload, $result)
            """, "$id", "$function", "$status", "$attempt", "$created", "$started", "$finished", "$node", "$kind", "$message", "$exit", "$rct", "$trace", "$payload", "$result");
        using var attempt = Prepare(db, """
            INSERT INTO attempts (job_id, number, started_at, finished_at, node, outcome, error_kind, error_message, exit_code, log)
            VALUES ($id, 1, $started, $finished, 'bench-node', $outcome, $kind, $message, $exit, $log)
            """, "$id", "$started", "$finished", "$outcome", "$kind", "$message", "$exit", "$log");
        Span<byte> bytes = stackalloc byte[16];
        for (var i = 0; i < count; i++)
        {
            if (i % 100_000 == 0 && i > 0)
            {
                tx.Commit();
                tx = db.BeginTransaction();
            }
            var created = start + i * step;
            random.NextBytes(bytes[8..]);
            for (var b = 0; b < 6; b++)
                bytes[b] = (byte)(created >> (40 - 8 * b));
            bytes[6] = (byte)(0x70 | ((i >> 8) & 0x0F));
            bytes[7] = (byte)i;
            bytes[8] = (byte)(0x80 | (bytes[8] & 0x3F));
            var id = Convert.ToHexStringLower(bytes);
            var waiting = i >= waitingFrom;
            var fn = waiting ? 3 : i % 3;
            var roll = random.Next(100);
            var status = waiting ? 0 : roll < 90 ? 3 : roll < 97 ? 4 : 5;
            var kind = status == 4 ? kinds[random.Next(kinds.Length)] : null;
            var started = created + 5 + random.Next(50);
            var finished = started + 20 + random.Next(400);
            if (status == 4 && sample is null && i >= count / 2)
                sample = id;
            job.Transaction = tx;
            Set(job, id, Functions[fn], status, status == 0 ? 0 : 1, created,
                status is 3 or 4 ? started : null, status is 0 ? null : finished, status is 3 or 4 ? "bench-node" : null,
                kind, kind is null ? null : kind + " in the handler", kind == "exit" ? 1 : null,
                status == 3 ? "application/json" : null,
                $"00-{Convert.ToHexStringLower(bytes)}-{Convert.ToHexStringLower(bytes[..8])}-01",
                payload, status == 3 ? result : null);
            job.ExecuteNonQuery();
            if (status is 3 or 4)
            {
                attempt.Transaction = tx;
                Set(attempt, id, started, finished, status == 3 ? "succeeded" : "failed", kind, kind is null ? null : kind + " in the handler", kind == "exit" ? 1 : null, log);
                attempt.ExecuteNonQuery();
                (status == 3 ? succeeded : failed)[fn]++;
            }
        }
        tx.Commit();
        tx.Dispose();
        for (var f = 0; f < Functions.Length; f++)
        {
            using var counters = Prepare(db, "INSERT OR REPLACE INTO counters (function, succeeded, failed) VALUES ($f, $s, $x)", "$f", "$s", "$x");
            Set(counters, Functions[f], succeeded[f], failed[f]);
            counters.ExecuteNonQuery();
        }
        // No ANALYZE: the store never runs it, so the planner here sees what it sees in production.
        Exec(db, "PRAGMA wal_checkpoint(TRUNCATE);");
        return sample ?? throw new InvalidOperationException("no failed job was written");
    }

    private static SqliteCommand Prepare(SqliteConnection db, string sql, params string[] names)
    {
        var command = db.CreateCommand();
        command.CommandText = sql;
        foreach (var name in names)
            command.Parameters.Add(new SqliteParameter { ParameterName = name });
        return command;
    }

    private static void Set(SqliteCommand command, params object?[] values)
    {
        for (var i = 0; i < values.Length; i++)
            command.Parameters[i].Value = values[i] ?? DBNull.Value;
    }

    private static void Exec(SqliteConnection db, string sql)
    {
        using var command = db.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static int FreePort()
    {
        var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private static void Delete(string dir)
    {
        try
        {
            Directory.Delete(dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);
}
