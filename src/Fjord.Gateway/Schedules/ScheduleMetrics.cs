using Fjord.Gateway.Metrics;
using Prometheus;

namespace Fjord.Gateway.Schedules;

/// <summary>
/// Counters of what this gateway's scheduler did. Each fire time is counted by the one gateway
/// whose write won (the job's creation, or the compare-and-set of a skip), so summing the
/// gateways of a cluster counts each once.
/// </summary>
internal sealed class ScheduleMetrics(GatewayMetrics gateway)
{
    private readonly Counter _fires = Prometheus.Metrics.WithCustomRegistry(gateway.Registry)
        .CreateCounter("fjord_schedule_fires_total", "Jobs made by schedules (fire times and hand triggers).", "function", "schedule");

    private readonly Counter _skips = Prometheus.Metrics.WithCustomRegistry(gateway.Registry)
        .CreateCounter("fjord_schedule_skips_total", "Fire times passed without a run: overlap skip (reason previous_running) or catchUp none (reason missed).", "function", "schedule", "reason");

    public void Fired(string function, string schedule) => _fires.WithLabels(function, schedule).Inc();

    public void Skipped(string function, string schedule, string reason) => _skips.WithLabels(function, schedule, reason).Inc();
}
