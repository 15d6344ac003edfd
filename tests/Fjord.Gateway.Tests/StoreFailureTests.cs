using System.Net;
using Fjord.Core.Jobs;
using Fjord.Core.Queue;
using Microsoft.Extensions.DependencyInjection;

namespace Fjord.Gateway.Tests;

public sealed class StoreFailureTests
{
    /// <summary>A queue whose disk is gone: every write fails to confirm.</summary>
    private sealed class UnconfirmedQueue : IJobQueue
    {
        public Task<IReadOnlyList<EnqueuedJob>> EnqueueAsync(IReadOnlyList<NewJob> jobs, CancellationToken cancellationToken) =>
            throw new StoreUnavailableException("disk I/O error");

        public Task<IJobLease> FetchAsync(string function, string node, CancellationToken cancellationToken) =>
            throw new StoreUnavailableException("disk I/O error");
    }

    [Fact]
    public async Task Intake_Answers503NeverAccepted_WhenWriteIsNotConfirmed()
    {
        await using var gw = await TestGateway.StartAsync(services: s => s.AddSingleton<IJobQueue, UnconfirmedQueue>());
        await gw.CreateFunctionAsync("fn");

        using var single = await gw.PostJobAsync("fn", "x");
        using var content = new StringContent("[1,2]");
        using var batch = await gw.Client.PostAsync(new Uri("/v1/functions/fn/jobs:batch", UriKind.Relative), content);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, single.StatusCode);
        Assert.Equal("https://fjord.dev/problems/store-unavailable", (await TestGateway.JsonAsync(single)).GetProperty("type").GetString());
        Assert.Equal(HttpStatusCode.ServiceUnavailable, batch.StatusCode);
    }
}
