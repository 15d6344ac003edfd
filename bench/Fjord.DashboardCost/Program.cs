using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using Fjord.Bench;
using Microsoft.Playwright;

// The cost of an open dashboard: the CPU the `fjord up` process itself spends (utime + stime of
// /proc/<pid>/stat) over a window with no browser, then over the same window with headless
// Chromium showing `/` (it polls the stats every 2 s and redraws the chart). The difference is
// what the open dashboard costs the node. Target: under 2 % of one core.
var seconds = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 60;
const int Port = 18090;
const string AdminKey = "fjk_dashboard_cost";
var root = FindRoot();
var fjordDll = Path.Combine(root, "src/Fjord.Cli/bin/Release/net10.0/fjord.dll");
var data = Path.Combine(Path.GetTempPath(), "fjord-dashcost-" + Guid.NewGuid().ToString("N")[..8]);
Directory.CreateDirectory(data);

await using (var node = await FjordProcess.StartAsync(fjordDll, "node", new Dictionary<string, string> { ["FJORD_ADMIN_KEY"] = AdminKey },
    "up", "--data", data, "--port", Port.ToString(CultureInfo.InvariantCulture)))
{
    using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{Port}") };
    http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminKey);
    // A few functions, so the overview has rows and per-function work to do.
    foreach (var name in new[] { "resize", "thumbnail", "mailer" })
    {
        using var body = new StringContent("""{ "runtime": "exec", "command": ["/bin/cat"] }""", Encoding.UTF8, "application/json");
        using var put = await http.PutAsync(new Uri("/v1/functions/" + name, UriKind.Relative), body);
        put.EnsureSuccessStatusCode();
    }
    await Task.Delay(5_000); // past start-up work (JIT, first heartbeats)

    var idle = await CpuShareAsync(node.Pid, seconds);
    Console.WriteLine($"idle node, no browser:       {Pct(idle)} of one core over {seconds} s");

    using var playwright = await Playwright.CreateAsync();
    await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
    {
        ExecutablePath = "/usr/bin/chromium",
        Headless = true,
        Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"],
    });
    var page = await browser.NewPageAsync(new BrowserNewPageOptions { BaseURL = $"http://127.0.0.1:{Port}" });
    await page.GotoAsync("/login");
    await page.GetByLabel("API key").FillAsync(AdminKey);
    await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
    await page.WaitForURLAsync($"http://127.0.0.1:{Port}/");
    var polls = 0;
    page.Request += (_, r) => { if (r.Url.Contains("/dashboard/stats", StringComparison.Ordinal)) Interlocked.Increment(ref polls); };
    await Task.Delay(3_000);

    var open = await CpuShareAsync(node.Pid, seconds);
    Console.WriteLine($"with / open in Chromium:     {Pct(open)} of one core over {seconds} s ({polls} stats polls)");
    Console.WriteLine($"cost of the open dashboard:  {Pct(open - idle)} of one core (target < 2 %)");
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $$"""{"bench":"dashboard-open-cost","seconds":{{seconds}},"idleCore":{{idle:0.0000}},"openCore":{{open:0.0000}},"costCore":{{open - idle:0.0000}},"polls":{{polls}},"cpus":{{Environment.ProcessorCount}},"load1":"{{File.ReadAllText("/proc/loadavg").Split(' ')[0]}}"}"""));
}
Directory.Delete(data, recursive: true);

static async Task<double> CpuShareAsync(int pid, int seconds)
{
    var before = CpuSeconds(pid);
    var clock = System.Diagnostics.Stopwatch.StartNew();
    await Task.Delay(TimeSpan.FromSeconds(seconds));
    return (CpuSeconds(pid) - before) / clock.Elapsed.TotalSeconds;
}

// utime + stime (fields 14 and 15) of the process itself: the gateway and its in-process worker,
// not function processes (an idle node runs none).
static double CpuSeconds(int pid)
{
    var stat = File.ReadAllText($"/proc/{pid}/stat");
    var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
    var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
    return ticks / 100.0; // USER_HZ is 100 on Linux
}

static string Pct(double share) => (share * 100).ToString("0.00", CultureInfo.InvariantCulture) + " %";

static string FindRoot()
{
    var dir = new DirectoryInfo(AppContext.BaseDirectory);
    while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Fjord.sln")))
        dir = dir.Parent;
    return dir?.FullName ?? throw new InvalidOperationException("run from inside the repository");
}
