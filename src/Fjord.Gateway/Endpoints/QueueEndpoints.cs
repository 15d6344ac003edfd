using Fjord.Core.Storage;
using Fjord.Gateway.Auth;
using Fjord.Gateway.Functions;
using Fjord.Gateway.Json;
using Microsoft.AspNetCore.Http;

namespace Fjord.Gateway.Endpoints;

/// <summary><c>GET /v1/queues</c>: the read side (<see cref="IJobMonitor"/>), never the dispatcher's tables' hot path.</summary>
internal sealed class QueueEndpoints(IJobMonitor monitor, LiveWorkers live)
{
    public async Task ListAsync(HttpContext context)
    {
        if (Access.Deny(context, Scope.Read, null) is { } denied)
        {
            await denied;
            return;
        }
        var grant = Access.Grant(context)!;
        var queues = await monitor.GetQueuesAsync(context.RequestAborted);
        var pools = await live.ScalingAsync(context.RequestAborted);
        var items = new List<QueueView>(queues.Count);
        foreach (var q in queues)
        {
            if (!grant.Covers(q.Name))
                continue;
            items.Add(new QueueView
            {
                Name = q.Name,
                Ready = q.Ready,
                Scheduled = q.Scheduled,
                Running = q.Running,
                Succeeded = q.Succeeded,
                Failed = q.Failed,
                Workers = pools.GetValueOrDefault(q.Name)?.Workers ?? 0,
                DesiredWorkers = pools.GetValueOrDefault(q.Name)?.Desired ?? 0,
                ScalingReason = pools.GetValueOrDefault(q.Name)?.Reason,
                Paused = q.Paused,
                OldestReadyAgeMs = q.OldestReadyAgeMs,
                RunningByNode = q.RunningByNode,
            });
        }
        await context.Response.WriteJsonAsync(new QueuesView { Functions = items }, GatewayJsonContext.Default.QueuesView, cancellationToken: context.RequestAborted);
    }
}
