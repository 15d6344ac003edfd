using System.Net;
using System.Text;
using Fjord.Core.Jobs;
using Fjord.Gateway.Intake;
using Microsoft.Extensions.DependencyInjection;

namespace Fjord.Gateway.Tests;

/// <summary>
/// The one intake service (<see cref="JobIntake"/>) as the HTTP endpoints and the triggers use
/// it: refusals are typed values and counted whoever asked (invoke included), a trigger is stored
/// and shown, a paused function can refuse a trigger without storing anything.
/// </summary>
public sealed class IntakeServiceTests
{
    private static JobIntake Intake(TestGateway gw) => gw.App.Services.GetRequiredService<JobIntake>();

    private static async Task<string> MetricsAsync(TestGateway gw)
    {
        using var response = await gw.Client.GetAsync(new Uri("/metrics", UriKind.Relative));
        return await response.Content.ReadAsStringAsync();
    }

    [Fact]
    public async Task Invoke_CountsItsRejections_LikeTheOtherEndpoints()
    {
        await using var gw = await TestGateway.StartAsync(o => o with { MaxBodyBytes = 256 });
        await gw.CreateFunctionAsync("echo", "\"maxQueueDepth\": 1");
        using (await gw.PostJobAsync("echo", "fills the queue")) { }

        using (var missing = await Api.PostAsync(gw.Client, "/v1/functions/nope/invoke", "x"))
            Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        using (var large = await Api.PostAsync(gw.Client, "/v1/functions/echo/invoke", new string('x', 257)))
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, large.StatusCode);
        using (var full = await Api.PostAsync(gw.Client, "/v1/functions/echo/invoke", "x"))
        {
            Assert.Equal((HttpStatusCode)429, full.StatusCode);
            Assert.True(full.Headers.RetryAfter?.Delta > TimeSpan.Zero);
        }

        var text = await MetricsAsync(gw);
        Assert.Contains("fjord_intake_rejected_total{function=\"\",reason=\"unknown_function\"} 1", text, StringComparison.Ordinal);
        Assert.Contains("fjord_intake_rejected_total{function=\"echo\",reason=\"too_large\"} 1", text, StringComparison.Ordinal);
        Assert.Contains("fjord_intake_rejected_total{function=\"echo\",reason=\"queue_full\"} 1", text, StringComparison.Ordinal);
        Assert.Contains("fjord_jobs_accepted_total{function=\"echo\"} 1", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Submit_WithATrigger_StoresIt_AndTheJobShowsIt_WhileHttpJobsSayHttp()
    {
        await using var gw = await TestGateway.StartAsync();
        await gw.CreateFunctionAsync("nightly");
        var outcome = await Intake(gw).SubmitAsync(IntakeRequest.One("nightly", Encoding.UTF8.GetBytes("{}")) with
        {
            ContentType = "application/json",
            Trigger = new JobTrigger
            {
                Kind = JobTrigger.Schedule,
                Name = "at-three",
                Context = new Dictionary<string, string> { ["fireTime"] = "2030-01-01T03:00:00Z" },
            },
        }, default);
        Assert.True(outcome.Accepted);
        var id = Assert.Single(outcome.Jobs).Id;
        using var http = await gw.PostJobAsync("nightly", "x");
        var httpId = (await TestGateway.JsonAsync(http)).GetProperty("id").GetString();

        using var response = await gw.Client.GetAsync(new Uri("/v1/jobs/" + id, UriKind.Relative));
        var trigger = (await TestGateway.JsonAsync(response)).GetProperty("trigger");
        Assert.Equal("schedule", trigger.GetProperty("kind").GetString());
        Assert.Equal("at-three", trigger.GetProperty("name").GetString());
        Assert.Equal("2030-01-01T03:00:00Z", trigger.GetProperty("context").GetProperty("fireTime").GetString());
        using var httpResponse = await gw.Client.GetAsync(new Uri("/v1/jobs/" + httpId, UriKind.Relative));
        Assert.Equal("""{"kind":"http"}""", (await TestGateway.JsonAsync(httpResponse)).GetProperty("trigger").GetRawText());

        var leased = await FakeWorker.SucceedAsync(gw.Store, "nightly", _ => "ok");
        Assert.Equal("at-three", leased.Trigger.Name);
    }

    [Fact]
    public async Task Submit_RefusesAPausedFunction_OnlyWhenAsked_AndStoresNothing()
    {
        await using var gw = await TestGateway.StartAsync();
        await gw.CreateFunctionAsync("held");
        using (await Api.PostAsync(gw.Client, "/v1/functions/held/pause", "")) { }

        var refused = await Intake(gw).SubmitAsync(IntakeRequest.One("held", new byte[] { 1 }) with { RefuseWhenPaused = true }, default);
        var accepted = await Intake(gw).SubmitAsync(IntakeRequest.One("held", new byte[] { 2 }), default);

        Assert.Equal(IntakeRefusalKind.Paused, refused.Refusal?.Kind);
        Assert.True(refused.Refusal!.Transient);
        Assert.True(accepted.Accepted);
        var queue = Assert.Single(await gw.Store.GetQueuesAsync(default), q => q.Name == "held");
        Assert.Equal(1, queue.Ready);
        Assert.Contains("fjord_intake_rejected_total{function=\"held\",reason=\"paused\"} 1", await MetricsAsync(gw), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Submit_AnswersTypedRefusals_ForUnknownFunctionTooLargeAndFullQueue()
    {
        await using var gw = await TestGateway.StartAsync(o => o with { MaxBodyBytes = 256 });
        await gw.CreateFunctionAsync("small", "\"maxQueueDepth\": 1");
        var intake = Intake(gw);

        var unknown = await intake.SubmitAsync(IntakeRequest.One("missing", new byte[] { 1 }), default);
        var large = await intake.SubmitAsync(IntakeRequest.One("small", new byte[257]), default);
        var first = await intake.SubmitAsync(IntakeRequest.One("small", new byte[1]), default);
        var full = await intake.SubmitAsync(IntakeRequest.One("small", new byte[1]), default);

        Assert.Equal(IntakeRefusalKind.UnknownFunction, unknown.Refusal?.Kind);
        Assert.False(unknown.Refusal!.Transient);
        Assert.Equal(IntakeRefusalKind.TooLarge, large.Refusal?.Kind);
        Assert.True(first.Accepted);
        Assert.Equal(IntakeRefusalKind.QueueFull, full.Refusal?.Kind);
        Assert.NotNull(full.Refusal!.RetryAfter);
        Assert.True(full.Refusal.Transient);
    }

    [Fact]
    public async Task Submit_SameIdempotencyKey_GivesTheEarlierJob_AndCountsItOnce()
    {
        await using var gw = await TestGateway.StartAsync();
        await gw.CreateFunctionAsync("once");
        var request = IntakeRequest.One("once", new byte[] { 1 }) with { IdempotencyKey = "amqp:orders:m-1" };

        var first = await Intake(gw).SubmitAsync(request, default);
        var again = await Intake(gw).SubmitAsync(request, default);

        Assert.False(first.Jobs[0].Existing);
        Assert.True(again.Jobs[0].Existing);
        Assert.Equal(first.Jobs[0].Id, again.Jobs[0].Id);
        Assert.Contains("fjord_jobs_accepted_total{function=\"once\"} 1", await MetricsAsync(gw), StringComparison.Ordinal);
    }
}
