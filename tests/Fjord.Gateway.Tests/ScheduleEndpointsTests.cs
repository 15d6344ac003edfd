using System.Net;

namespace Fjord.Gateway.Tests;

/// <summary><c>/v1/schedules</c> and schedules in a deployed spec, on a real gateway and store.</summary>
public sealed class ScheduleEndpointsTests
{
    // Fires only at new year: the gateway's own scheduler stays out of these tests.
    private const string Yearly = """ "schedules": [{ "name": "yearly", "cron": "0 0 1 1 *", "timezone": "Europe/Oslo", "payload": "{\"report\":1}" }] """;

    [Fact]
    public async Task PutFunction_Answers400NamingTheField_ForBadCronOrZone()
    {
        await using var gw = await TestGateway.StartAsync();

        using var response = await gw.PutFunctionAsync("bad", """
            { "runtime": "exec", "command": ["/bin/cat"], "schedules": [
                { "name": "a", "cron": "61 * * * *" },
                { "name": "b", "cron": "0 3 * * *", "timezone": "Mars/Olympus_Mons" },
                { "name": "c", "cron": "0 3 * * *", "overlap": "sometimes" } ] }
            """);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var errors = (await TestGateway.JsonAsync(response)).GetProperty("errors").EnumerateArray().Select(e => e.GetString()!).ToArray();
        Assert.Contains(errors, e => e.StartsWith("schedules[0].cron '61 * * * *'", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("schedules[1].timezone 'Mars/Olympus_Mons'", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("schedules[2].overlap", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Schedules_ListTriggerPauseResume_AndTheJobShowsItsTrigger()
    {
        await using var gw = await TestGateway.StartAsync();
        await gw.CreateFunctionAsync("report", Yearly);

        var listed = Assert.Single((await GetAsync(gw, "/v1/schedules")).GetProperty("schedules").EnumerateArray());
        Assert.Equal(("report", "yearly", "0 0 1 1 *", "Europe/Oslo", "skip", "last", false, 0),
            (listed.GetProperty("function").GetString(), listed.GetProperty("name").GetString(), listed.GetProperty("cron").GetString(),
             listed.GetProperty("timezone").GetString(), listed.GetProperty("overlap").GetString(), listed.GetProperty("catchUp").GetString(),
             listed.GetProperty("paused").GetBoolean(), listed.GetProperty("skipped").GetInt32()));
        var next = listed.GetProperty("nextFireAt").GetDateTimeOffset();
        Assert.Equal((1, 1, 0, 0, TimeSpan.FromHours(1)), (next.ToOffset(TimeSpan.FromHours(1)).Month, next.ToOffset(TimeSpan.FromHours(1)).Day, next.ToOffset(TimeSpan.FromHours(1)).Hour, next.Minute, next.ToOffset(TimeSpan.FromHours(1)).Offset));

        using var trigger = await gw.Client.PostAsync(new Uri("/v1/schedules/report/yearly/trigger", UriKind.Relative), null);
        Assert.Equal(HttpStatusCode.Accepted, trigger.StatusCode);
        var id = (await TestGateway.JsonAsync(trigger)).GetProperty("id").GetString()!;
        var job = await GetAsync(gw, "/v1/jobs/" + id);
        Assert.Equal(("schedule", "yearly"), (job.GetProperty("trigger").GetProperty("kind").GetString(), job.GetProperty("trigger").GetProperty("name").GetString()));
        listed = Assert.Single((await GetAsync(gw, "/v1/schedules")).GetProperty("schedules").EnumerateArray());
        Assert.Equal(id, listed.GetProperty("lastJobId").GetString());

        using (var pause = await gw.Client.PostAsync(new Uri("/v1/schedules/report/yearly/pause", UriKind.Relative), null))
        {
            Assert.Equal(HttpStatusCode.OK, pause.StatusCode);
            var paused = await TestGateway.JsonAsync(pause);
            Assert.True(paused.GetProperty("paused").GetBoolean());
            Assert.False(paused.TryGetProperty("nextFireAt", out _));
        }
        using (var resume = await gw.Client.PostAsync(new Uri("/v1/schedules/report/yearly/resume", UriKind.Relative), null))
            Assert.False((await TestGateway.JsonAsync(resume)).GetProperty("paused").GetBoolean());

        using var unknown = await gw.Client.PostAsync(new Uri("/v1/schedules/report/nightly/trigger", UriKind.Relative), null);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task Schedules_ReadKeySees_ButCannotTriggerOrPause_AndOtherNamespacesSeeNothing()
    {
        await using var gw = await TestGateway.StartAsync();
        await gw.CreateFunctionAsync("report", Yearly);
        using var reader = gw.NewClient(await gw.AddKeyAsync("*", "read"));
        using var stranger = gw.NewClient(await gw.AddKeyAsync("shop", "read", "deploy"));

        using (var list = await reader.GetAsync(new Uri("/v1/schedules", UriKind.Relative)))
            Assert.Single((await TestGateway.JsonAsync(list)).GetProperty("schedules").EnumerateArray());
        using (var trigger = await reader.PostAsync(new Uri("/v1/schedules/report/yearly/trigger", UriKind.Relative), null))
            Assert.Equal(HttpStatusCode.Forbidden, trigger.StatusCode);
        using (var pause = await reader.PostAsync(new Uri("/v1/schedules/report/yearly/pause", UriKind.Relative), null))
            Assert.Equal(HttpStatusCode.Forbidden, pause.StatusCode);
        using (var list = await stranger.GetAsync(new Uri("/v1/schedules", UriKind.Relative)))
            Assert.Empty((await TestGateway.JsonAsync(list)).GetProperty("schedules").EnumerateArray());
        using (var trigger = await stranger.PostAsync(new Uri("/v1/schedules/report/yearly/trigger", UriKind.Relative), null))
            Assert.Equal(HttpStatusCode.Forbidden, trigger.StatusCode);
        Assert.Empty((await gw.Store.ListJobsAsync(new Core.Storage.JobQuery("report"), default)).Items);
    }

    [Fact]
    public async Task IdempotencyKey_OfAFireTime_CannotBeSentOverHttp()
    {
        await using var gw = await TestGateway.StartAsync();
        await gw.CreateFunctionAsync("report", Yearly);
        var key = Core.Schedules.ScheduleKeys.IdempotencyKey("yearly", new DateTimeOffset(2031, 1, 1, 0, 0, 0, TimeSpan.FromHours(1)));

        var status = await RawHttp.StatusAsync(gw.Address, "POST", "/v1/functions/report/jobs", gw.AdminKey, extraHeaders: $"Idempotency-Key: {key}\r\n");

        Assert.Equal(400, status);
        Assert.Empty((await gw.Store.ListJobsAsync(new Core.Storage.JobQuery("report"), default)).Items);
    }

    private static async Task<System.Text.Json.JsonElement> GetAsync(TestGateway gw, string path)
    {
        using var response = await gw.Client.GetAsync(new Uri(path, UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await TestGateway.JsonAsync(response);
    }
}
