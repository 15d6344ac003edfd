using System.Diagnostics;
using System.Text;

namespace Fjord.EndToEnd.Tests;

/// <summary>`fjord logs -f ID` on a real node: lines arrive while the job's process still runs.</summary>
public sealed class LogsFollowTests(ExamplesNode fixture) : IClassFixture<ExamplesNode>
{
    private readonly FjordNode _node = fixture.Node;

    [Fact]
    public async Task LogsFollow_ReceivesLinesWhileTheJobRuns_AndExitsWhenItEnds()
    {
        // A host program (no bundle): two lines, a pause long enough for the CLI to start and
        // connect on a loaded machine, a third line.
        var spec = """{"runtime":"exec","command":["/bin/sh","-c","echo tick one >&2; echo tick two >&2; sleep 8; echo tick three >&2; echo done"]}""";
        using (var put = await _node.Http.PutAsync("/v1/functions/ticker", new StringContent(spec, Encoding.UTF8, "application/json")))
            Assert.True(put.IsSuccessStatusCode, await put.Content.ReadAsStringAsync());
        string id;
        using (var posted = await _node.Http.PostAsync("/v1/functions/ticker/jobs", new StringContent("x")))
        {
            var body = await posted.Content.ReadAsStringAsync();
            Assert.True(posted.IsSuccessStatusCode, body);
            var start = body.IndexOf("\"id\":\"", StringComparison.Ordinal) + 6;
            id = body[start..body.IndexOf('"', start)];
        }

        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(FjordNode.FjordDll);
        foreach (var a in new[] { "logs", "-f", id })
            psi.ArgumentList.Add(a);
        psi.Environment["FJORD_URL"] = $"http://127.0.0.1:{_node.Port}";
        psi.Environment["FJORD_KEY"] = FjordNode.AdminKey;
        using var cli = Process.Start(psi)!;
        var stderr = cli.StandardError.ReadToEndAsync();
        var lines = new List<string>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (lines.Count < 2 && await cli.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
            lines.Add(line);
        Assert.Equal(["tick one", "tick two"], lines);

        // The job is still running: those lines came while its process was alive.
        var job = await _node.Http.GetStringAsync($"/v1/jobs/{id}");
        Assert.Contains("\"status\":\"running\"", job, StringComparison.Ordinal);
        Assert.False(cli.HasExited);

        var rest = await cli.StandardOutput.ReadToEndAsync(timeout.Token);
        await cli.WaitForExitAsync(timeout.Token);
        Assert.Equal(0, cli.ExitCode);
        Assert.Contains("tick three", rest, StringComparison.Ordinal);
        Assert.Contains("--- job succeeded ---", await stderr, StringComparison.Ordinal);
    }
}
