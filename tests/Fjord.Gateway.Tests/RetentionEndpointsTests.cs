using System.Net;
using Fjord.Core.Jobs;
using Microsoft.Data.Sqlite;

namespace Fjord.Gateway.Tests;

/// <summary>Retention through the API: the sweeper, the 404 of a swept job, `jobs:purge` by status, and the backup route.</summary>
public sealed class RetentionEndpointsTests
{
    private static async Task<(HttpStatusCode Status, string Type, string Detail)> GetProblemAsync(TestGateway gw, string id)
    {
        using var response = await gw.Client.GetAsync(new Uri("/v1/jobs/" + id, UriKind.Relative));
        if (response.StatusCode != HttpStatusCode.NotFound)
            return (response.StatusCode, "", "");
        var body = await TestGateway.JsonAsync(response);
        return (response.StatusCode, body.GetProperty("type").GetString()!, body.GetProperty("detail").GetString()!);
    }

    [Fact]
    public async Task Sweeper_DeletesJobsPastTheirFunctionsRetention_AndTheirGetSaysExpired()
    {
        await using var gw = await TestGateway.StartAsync(o => o with { RetentionSweepInterval = TimeSpan.FromMilliseconds(200) });
        await gw.CreateFunctionAsync("short", """ "retention": { "succeeded": "1s" } """);
        await gw.CreateFunctionAsync("long");
        var swept = await Api.AcceptAsync(gw, "short");
        await FakeWorker.SucceedAsync(gw.Store, "short", _ => "done");
        var kept = await Api.AcceptAsync(gw, "long");
        await FakeWorker.SucceedAsync(gw.Store, "long", _ => "done");

        var deadline = DateTime.UtcNow.AddSeconds(15);
        (HttpStatusCode Status, string Type, string Detail) answer;
        while ((answer = await GetProblemAsync(gw, swept)).Status == HttpStatusCode.OK && DateTime.UtcNow < deadline)
            await Task.Delay(100);

        Assert.Equal(HttpStatusCode.NotFound, answer.Status);
        Assert.EndsWith("/job-expired", answer.Type, StringComparison.Ordinal);
        Assert.Contains("retention", answer.Detail, StringComparison.Ordinal);
        // The node default (7 days) keeps the other function's job; an id never issued is simply unknown.
        Assert.Equal("succeeded", (await Api.GetJobAsync(gw, kept)).GetProperty("status").GetString());
        Assert.EndsWith("/unknown-job", (await GetProblemAsync(gw, JobId.New())).Type, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{ "failed": "soon" }""", "retention.failed")]
    [InlineData("""{ "succeeded": "-1d" }""", "retention.succeeded")]
    [InlineData("""{ "canceled": "0s" }""", "retention.canceled")]
    public async Task PutFunction_WithABadRetention_Answers400NamingTheField(string retention, string field)
    {
        await using var gw = await TestGateway.StartAsync();

        using var response = await gw.PutFunctionAsync("fn", $$"""{ "runtime": "exec", "command": ["/bin/cat"], "retention": {{retention}} }""");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(field, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task PurgeByStatus_DeletesEndedJobsInThatState_AndNeedsAnAdminKey()
    {
        await using var gw = await TestGateway.StartAsync(o => o with { RetentionSweepInterval = TimeSpan.Zero });
        await gw.CreateFunctionAsync("fn");
        var done = await Api.AcceptAsync(gw, "fn");
        await FakeWorker.SucceedAsync(gw.Store, "fn", _ => "ok");
        var dead = await Api.AcceptAsync(gw, "fn");
        await FakeWorker.DeadLetterAsync(gw.Store, "fn", new JobError(ErrorKind.Exit, "broke"));
        var waiting = await Api.AcceptAsync(gw, "fn");
        using var deployer = gw.NewClient(await gw.AddKeyAsync("*", "deploy", "read"));

        using var forbidden = await Api.PostAsync(deployer, "/v1/jobs:purge", """{ "status": "succeeded", "before": "0s" }""");
        using var tooRecent = await Api.PostAsync(gw.Client, "/v1/jobs:purge", """{ "status": "succeeded", "before": "1h" }""");
        using var purged = await Api.PostAsync(gw.Client, "/v1/jobs:purge?status=succeeded&before=0s");

        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        Assert.Equal(0, (await TestGateway.JsonAsync(tooRecent)).GetProperty("purged").GetInt64());
        Assert.Equal(1, (await TestGateway.JsonAsync(purged)).GetProperty("purged").GetInt64());
        Assert.EndsWith("/job-expired", (await GetProblemAsync(gw, done)).Type, StringComparison.Ordinal);
        Assert.Equal("failed", (await Api.GetJobAsync(gw, dead)).GetProperty("status").GetString());
        Assert.Equal("queued", (await Api.GetJobAsync(gw, waiting)).GetProperty("status").GetString());
    }

    [Theory]
    [InlineData("""{ "status": "running", "before": "1d" }""")]
    [InlineData("""{ "status": "succeeded" }""")]
    [InlineData("""{ "before": "1d" }""")]
    [InlineData("""{ "status": "succeeded", "before": "1d", "errorKind": "exit" }""")]
    [InlineData("""{ "status": "SUCCEEDED", "before": "1d" }""")]
    public async Task PurgeByStatus_Answers400_ForABadSelection(string body)
    {
        await using var gw = await TestGateway.StartAsync();

        using var response = await Api.PostAsync(gw.Client, "/v1/jobs:purge", body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public async Task Backup_AnswersTheWholeStoreAsASqliteFile_ToAnAdminKeyOnly_AndLeavesNoCopyBehind()
    {
        await using var gw = await TestGateway.StartAsync();
        await gw.CreateFunctionAsync("fn");
        var id = await Api.AcceptAsync(gw, "fn", "the payload");
        using var deployer = gw.NewClient(await gw.AddKeyAsync("*", "deploy", "read"));
        string[] Files() => [.. Directory.GetFiles(gw.Dir).Where(f => !f.EndsWith("-wal", StringComparison.Ordinal) && !f.EndsWith("-shm", StringComparison.Ordinal)).Order()];
        var before = Files();

        using var forbidden = await Api.PostAsync(deployer, "/v1/backup");
        using var response = await Api.PostAsync(gw.Client, "/v1/backup");

        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/vnd.sqlite3", response.Content.Headers.ContentType?.MediaType);
        var copy = Path.Combine(gw.Dir, "..", Guid.NewGuid().ToString("N") + ".db");
        try
        {
            await File.WriteAllBytesAsync(copy, await response.Content.ReadAsByteArrayAsync());
            using var connection = new SqliteConnection($"Data Source={copy};Mode=ReadOnly;Pooling=False");
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT payload FROM jobs WHERE id = $id";
            command.Parameters.AddWithValue("$id", id);
            Assert.Equal("the payload"u8.ToArray(), (byte[])command.ExecuteScalar()!);
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            File.Delete(copy);
        }
        Assert.Equal(before, Files());
    }
}
