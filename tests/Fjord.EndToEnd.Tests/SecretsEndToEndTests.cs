using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Fjord.EndToEnd.Tests;

/// <summary>
/// A secret through the whole platform: `fjord secrets set`, a deploy that names it, python and
/// exec functions reading /run/secrets/NAME in their sandboxes, rotation reaching the warm
/// process, and the value absent from every answer, record, log, metric and from the store file.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class SecretsEndToEndTests
{
    private const string StartProject = """
        functions:
          fine:
            runtime: exec
            command: ["cat"]
        """;

    private const string ReaderProject = """
        functions:
          py-reader:
            runtime: python
            path: py
            handler: handler.py
            secrets: [db-password]
          sh-reader:
            runtime: exec
            command: ["sh", "-c", "echo reading >&2; sha256sum < /run/secrets/db-password | cut -c1-64"]
            secrets: [db-password]
        """;

    private const string Handler = """
        import hashlib

        def handle(payload, context):
            with open("/run/secrets/db-password", "rb") as f:
                value = f.read()
            print("read", len(value), "bytes")
            return hashlib.sha256(value).hexdigest()
        """;

    [Fact]
    public async Task ASecretSetWithTheCli_IsReadByFunctions_RotatesIntoTheWarmProcess_AndLeaksNowhere()
    {
        using var dir = new TempDir();
        await File.WriteAllTextAsync(dir.Combine("fjord.yml"), StartProject);
        Directory.CreateDirectory(dir.Combine("py"));
        await File.WriteAllTextAsync(dir.Combine("py", "handler.py"), Handler);
        await File.WriteAllTextAsync(dir.Combine("readers.yml"), ReaderProject);
        var secret = "pw-" + Guid.NewGuid().ToString("N");
        var rotated = "pw2-" + Guid.NewGuid().ToString("N");
        await File.WriteAllTextAsync(dir.Combine("pw.txt"), secret);
        await File.WriteAllTextAsync(dir.Combine("pw2.txt"), rotated);
        await using var node = await FjordNode.StartAsync(dir.Combine("data"), dir.Combine("fjord.yml"));

        var unknown = await Cli.RunAsync(node, null, "deploy", "-f", dir.Combine("readers.yml"));
        Assert.Equal(2, unknown.ExitCode); // the gateway's 400: a spec error, like a bad fjord.yml
        Assert.Contains("secret 'db-password' does not exist", unknown.Stderr, StringComparison.Ordinal);

        var set = await Cli.RunAsync(node, null, "secrets", "set", "db-password", "--from-file", dir.Combine("pw.txt"));
        Assert.Equal(0, set.ExitCode);
        var deploy = await Cli.RunAsync(node, null, "deploy", "-f", dir.Combine("readers.yml"));
        Assert.True(deploy.ExitCode == 0, deploy.Stderr);

        var ids = new List<string>();
        foreach (var function in new[] { "py-reader", "sh-reader" })
        {
            var (id, output) = await InvokeAsync(node, function);
            ids.Add(id);
            Assert.Equal(Sha(secret), output);
        }

        // Rotation: fork functions see it at their next job; the warm python process is replaced.
        var again = await Cli.RunAsync(node, null, "secrets", "set", "db-password", "--from-file", dir.Combine("pw2.txt"));
        Assert.Equal(0, again.ExitCode);
        var deadline = DateTime.UtcNow.AddSeconds(15);
        string last;
        do
        {
            var (id, output) = await InvokeAsync(node, "py-reader");
            ids.Add(id);
            last = output;
        }
        while (last != Sha(rotated) && DateTime.UtcNow < deadline && await Delay());
        Assert.Equal(Sha(rotated), last);
        Assert.Equal(Sha(rotated), (await InvokeAsync(node, "sh-reader")).Output);

        // Nowhere else: job records, logs, function listings, queues, metrics, secrets ls, the node's output.
        var seen = new StringBuilder();
        foreach (var id in ids)
        {
            seen.Append(await node.Http.GetStringAsync($"/v1/jobs/{id}"));
            seen.Append(await node.Http.GetStringAsync($"/v1/jobs/{id}/logs"));
        }
        Assert.Contains("read ", seen.ToString(), StringComparison.Ordinal);
        foreach (var path in new[] { "/v1/functions", "/v1/queues", "/metrics", "/v1/secrets", "/v1/jobs?limit=100" })
            seen.Append(await node.Http.GetStringAsync(path));
        seen.Append((await Cli.RunAsync(node, null, "secrets", "ls")).Stdout);
        seen.Append(node.Output);
        foreach (var value in new[] { secret, rotated })
            Assert.DoesNotContain(value, seen.ToString(), StringComparison.Ordinal);

        // At rest: sealed in the store, under a 0600 key file.
        var key = dir.Combine("data", "secrets.key");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(key));
        foreach (var file in Directory.GetFiles(dir.Combine("data"), "fjord.db*").Where(f => !f.EndsWith(".lock", StringComparison.Ordinal)))
        {
            await using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var bytes = new MemoryStream();
            await stream.CopyToAsync(bytes);
            Assert.Equal(-1, bytes.ToArray().AsSpan().IndexOf(Encoding.UTF8.GetBytes(secret)));
            Assert.Equal(-1, bytes.ToArray().AsSpan().IndexOf(Encoding.UTF8.GetBytes(rotated)));
        }
    }

    private static async Task<bool> Delay()
    {
        await Task.Delay(200);
        return true;
    }

    private static string Sha(string value) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(value)));

    /// <summary>An async job, waited for: its id and its output.</summary>
    private static async Task<(string Id, string Output)> InvokeAsync(FjordNode node, string function)
    {
        using var content = new StringContent("x");
        using var accepted = await node.Http.PostAsync($"/v1/functions/{function}/jobs", content);
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        using var doc = JsonDocument.Parse(await accepted.Content.ReadAsStringAsync());
        var id = doc.RootElement.GetProperty("id").GetString()!;
        for (var i = 0; i < 400; i++)
        {
            using var job = JsonDocument.Parse(await node.Http.GetStringAsync($"/v1/jobs/{id}"));
            var status = job.RootElement.GetProperty("status").GetString();
            if (status == "succeeded")
                return (id, (await node.Http.GetStringAsync($"/v1/jobs/{id}/result")).Trim().Trim('"'));
            if (status is "failed" or "canceled")
                Assert.Fail($"{function} job {id} {status}: {job.RootElement}\n{node.Tail()}");
            await Task.Delay(50);
        }
        throw new TimeoutException($"{function} job {id} did not end");
    }
}
