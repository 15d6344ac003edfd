using Fjord.Gateway.Metrics;
using Prometheus;

namespace Fjord.Gateway.Triggers;

/// <summary>
/// Per trigger: messages consumed (delivered to Fjord), accepted (stored as a job, or found as
/// the job of an earlier delivery, then acked), rejected by reason (requeued when the reason
/// passes, dropped when it cannot), and whether the consumer is connected. In the gateway's
/// registry; a trigger's series go when its consumer stops.
/// </summary>
internal sealed class AmqpTriggerMetrics
{
    private readonly Counter _consumed;
    private readonly Counter _accepted;
    private readonly Counter _duplicates;
    private readonly Counter _rejected;
    private readonly Gauge _connected;

    public AmqpTriggerMetrics(GatewayMetrics gateway)
    {
        var factory = Prometheus.Metrics.WithCustomRegistry(gateway.Registry);
        _consumed = factory.CreateCounter("fjord_trigger_messages_consumed_total", "Messages a queue trigger received from its broker.", "function", "trigger");
        _accepted = factory.CreateCounter("fjord_trigger_messages_accepted_total", "Messages stored as jobs (or matched to the job of an earlier delivery by message id) and acked.", "function", "trigger");
        _duplicates = factory.CreateCounter("fjord_trigger_messages_duplicate_total", "Accepted messages whose message id named an existing job: no second job was made.", "function", "trigger");
        _rejected = factory.CreateCounter("fjord_trigger_messages_rejected_total", "Messages intake refused, by reason (paused, queue_full, store_unavailable: requeued; too_large, bad_*: dropped).", "function", "trigger", "reason");
        _connected = factory.CreateGauge("fjord_trigger_connected", "1 while the trigger's consumer is subscribed to its queue.", "function", "trigger");
    }

    public void Consumed(string function, string trigger) => _consumed.WithLabels(function, trigger).Inc();

    public void Accepted(string function, string trigger, bool duplicate)
    {
        _accepted.WithLabels(function, trigger).Inc();
        if (duplicate)
            _duplicates.WithLabels(function, trigger).Inc();
    }

    public void Rejected(string function, string trigger, string reason) => _rejected.WithLabels(function, trigger, reason).Inc();

    public void Connected(string function, string trigger, bool connected) => _connected.WithLabels(function, trigger).Set(connected ? 1 : 0);

    /// <summary>Drops the trigger's series (its consumer stopped: removed or redeployed).</summary>
    public void Remove(string function, string trigger)
    {
        foreach (var counter in new[] { _consumed, _accepted, _duplicates })
            counter.RemoveLabelled(function, trigger);
        foreach (var labels in _rejected.GetAllLabelValues())
        {
            if (labels[0] == function && labels[1] == trigger)
                _rejected.RemoveLabelled(labels);
        }
        _connected.RemoveLabelled(function, trigger);
    }
}
