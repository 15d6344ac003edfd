using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;

namespace Fjord.EndToEnd.Tests;

/// <summary>`fjord up -f examples/fjord.yml`, as the README runs it, driven over HTTP and the CLI.</summary>
public sealed class ExamplesTests(ExamplesNode fixture) : IClassFixture<ExamplesNode>
{
    private readonly FjordNode _node = fixture.Node;

    [Fact]
    public async Task Wordcount_SyncInvoke_CountsWords()
    {
        using var response = await _node.Http.PostAsync("/v1/functions/wordcount/invoke", new StringContent("one two three"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("3", (await response.Content.ReadAsStringAsync()).Trim());
    }

    [Fact]
    public async Task Thumbnail_ResizesAnImage_ToAPngThumbnail()
    {
        var image = await Cli.RunProgramAsync("/usr/bin/convert", "-size", "400x300", "xc:steelblue", "png:-");
        using var response = await _node.Http.PostAsync("/v1/functions/thumbnail/invoke", new ByteArrayContent(image));
        var body = await response.Content.ReadAsByteArrayAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, Encoding.UTF8.GetString(body));
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], body[..4]);
        // PNG IHDR: width and height, big-endian, at bytes 16..23.
        var width = (body[16] << 24) | (body[17] << 16) | (body[18] << 8) | body[19];
        var height = (body[20] << 24) | (body[21] << 16) | (body[22] << 8) | body[23];
        Assert.Equal(128, width);
        Assert.Equal(96, height);
    }

    [Fact]
    public async Task Thumbnail_NotAnImage_FailsWithItsLog()
    {
        using var response = await _node.Http.PostAsync("/v1/functions/thumbnail/invoke", new StringContent("not an image"));
        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Hello_PythonWarm_AnswersJsonAndKeepsPrintInTheLog()
    {
        using var response = await _node.Http.PostAsync("/v1/functions/hello/invoke", new StringContent("""{"name":"Ada"}"""));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var doc = JsonDocument.Parse(text);
        Assert.Equal("hej, Ada!", doc.RootElement.GetProperty("message").GetString());

        var jobId = response.Headers.GetValues("X-Fjord-Job-Id").Single();
        var log = await _node.Http.GetStringAsync($"/v1/jobs/{jobId}/logs");
        Assert.Contains("greeting Ada", log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Greet_NodeWarm_Answers()
    {
        using var response = await _node.Http.PostAsync("/v1/functions/greet/invoke", new StringContent("fjord"));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        using var doc = JsonDocument.Parse(text);
        Assert.Equal("FJORD", doc.RootElement.GetProperty("upper").GetString());
    }

    [Fact]
    public async Task Slugify_PhpWarm_AnswersJsonAndKeepsEchoInTheLog()
    {
        using var response = await _node.Http.PostAsync("/v1/functions/slugify/invoke", new StringContent("Hello, Fjord!"));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var doc = JsonDocument.Parse(text);
        Assert.Equal("hello-fjord", doc.RootElement.GetProperty("slug").GetString());
        Assert.Equal(2, doc.RootElement.GetProperty("words").GetInt32());

        var jobId = response.Headers.GetValues("X-Fjord-Job-Id").Single();
        var log = await _node.Http.GetStringAsync($"/v1/jobs/{jobId}/logs");
        Assert.Contains("slugifying Hello, Fjord!", log, StringComparison.Ordinal);

        using var empty = await _node.Http.PostAsync("/v1/functions/slugify/invoke", new StringContent(" "));
        Assert.Equal(HttpStatusCode.BadGateway, empty.StatusCode);
        Assert.Contains("InvalidArgumentException", await empty.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ago_NodeWithAnNpmDependency_BuiltIntoItsBundle_Answers()
    {
        using var response = await _node.Http.PostAsync("/v1/functions/ago/invoke", new StringContent("2 days"));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        using var doc = JsonDocument.Parse(text);
        Assert.Equal(172_800_000, doc.RootElement.GetProperty("ms").GetInt64());
        Assert.Equal("2d", doc.RootElement.GetProperty("short").GetString());
        Assert.Equal("2 days", doc.RootElement.GetProperty("long").GetString());
    }

    [Fact]
    public async Task Cli_InvokeAsyncThenJobsGetAndLogs_Work()
    {
        var sync = await CliAsync(null, "invoke", "wordcount", "-d", "a b c d");
        Assert.Equal(0, sync.ExitCode);
        Assert.Equal("4", sync.Stdout.Trim());

        var async = await CliAsync(null, "invoke", "hello", "--async", "-d", "Bob");
        Assert.Equal(0, async.ExitCode);
        var id = async.Stdout.Trim();
        Assert.Equal(32, id.Length);

        await WaitForStatusAsync(id, "succeeded");
        var get = await CliAsync(null, "jobs", "get", id);
        Assert.Equal(0, get.ExitCode);
        Assert.Contains("succeeded", get.Stdout, StringComparison.Ordinal);

        var logs = await CliAsync(null, "logs", id);
        Assert.Equal(0, logs.ExitCode);
        Assert.Contains("greeting Bob", logs.Stdout, StringComparison.Ordinal);

        var ls = await CliAsync(null, "functions", "ls");
        Assert.Equal(0, ls.ExitCode);
        foreach (var name in new[] { "wordcount", "thumbnail", "hello", "greet", "slugify", "ago" })
            Assert.Contains(name, ls.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cli_Errors_HaveDistinctExitCodesAndOneLine()
    {
        var unknown = await CliAsync(null, "invoke", "nosuchfunction", "-d", "x");
        Assert.Equal(1, unknown.ExitCode);
        Assert.Single(unknown.Stderr.Trim().Split('\n'));

        var usage = await CliAsync(null, "invoke");
        Assert.Equal(2, usage.ExitCode);

        var badKey = await CliAsync(new() { ["FJORD_KEY"] = "wrong" }, "functions", "ls");
        Assert.Equal(3, badKey.ExitCode);

        var unreachable = await CliAsync(new() { ["FJORD_URL"] = "http://127.0.0.1:1" }, "functions", "ls");
        Assert.Equal(3, unreachable.ExitCode);
        Assert.DoesNotContain("   at ", unreachable.Stderr, StringComparison.Ordinal);
    }

    private async Task WaitForStatusAsync(string id, string status)
    {
        for (var i = 0; i < 300; i++)
        {
            using var doc = JsonDocument.Parse(await _node.Http.GetStringAsync($"/v1/jobs/{id}"));
            if (doc.RootElement.GetProperty("status").GetString() == status)
                return;
            await Task.Delay(50);
        }
        throw new TimeoutException($"job {id} never reached {status}");
    }

    private Task<(int ExitCode, string Stdout, string Stderr)> CliAsync(Dictionary<string, string>? env, params string[] args) =>
        Cli.RunAsync(_node, env, args);
}

internal static class Cli
{
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(FjordNode node, Dictionary<string, string>? env, params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        psi.ArgumentList.Add(FjordNode.FjordDll);
        foreach (var a in args)
            psi.ArgumentList.Add(a);
        psi.Environment["FJORD_URL"] = $"http://127.0.0.1:{node.Port}";
        psi.Environment["FJORD_KEY"] = FjordNode.AdminKey;
        foreach (var (k, v) in env ?? [])
            psi.Environment[k] = v;
        using var p = Process.Start(psi)!;
        p.StandardInput.Close();
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        return (p.ExitCode, await stdout, await stderr);
    }

    public static async Task<byte[]> RunProgramAsync(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true };
        foreach (var a in args)
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        using var ms = new MemoryStream();
        await p.StandardOutput.BaseStream.CopyToAsync(ms);
        await p.WaitForExitAsync();
        Assert.Equal(0, p.ExitCode);
        return ms.ToArray();
    }
}

/// <summary>One node with the examples deployed, shared by the tests of <see cref="ExamplesTests"/>.</summary>
public sealed class ExamplesNode : IAsyncLifetime
{
    private readonly TempDir _dir = new();

    internal FjordNode Node { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Node = await FjordNode.StartAsync(_dir.Combine("data"), Path.Combine(FjordNode.RepoRoot, "examples", "fjord.yml"));
    }

    public async Task DisposeAsync()
    {
        await Node.DisposeAsync();
        _dir.Dispose();
    }
}
