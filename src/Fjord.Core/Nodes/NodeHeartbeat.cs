using System.Globalization;
using System.Reflection;
using Microsoft.Extensions.Logging;

namespace Fjord.Core.Nodes;

/// <summary>How one process reports itself (see <see cref="NodeHeartbeat"/>).</summary>
public sealed record NodeHeartbeatOptions
{
    public required string Id { get; init; }
    public required string Role { get; init; }

    /// <summary>The folder whose disk's free space is reported (the data folder).</summary>
    public required string DataDir { get; init; }

    public TimeSpan Interval { get; init; } = NodeHeartbeat.DefaultInterval;

    /// <summary>Steal over the last minute above this fraction is a warning, in the log and in the report. FJORD_STEAL_WARNING overrides (e.g. <c>0.1</c> or <c>10%</c>).</summary>
    public double StealWarning { get; init; } = 0.05;

    /// <summary>A worker's pools (busy and total slots per function); null for a gateway.</summary>
    public Func<IReadOnlyList<SlotFigures>>? Slots { get; init; }

    /// <summary>Bytes of the worker's image cache on this node's disk; null for a node without one.</summary>
    public Func<long?>? ImageCacheBytes { get; init; }

    /// <summary>The interpreter versions a worker probed at start (see <see cref="NodeReport.Runtimes"/>); null until probed, and for a gateway.</summary>
    public Func<IReadOnlyDictionary<string, string>?>? Runtimes { get; init; }

    /// <summary>Warnings true for the node's whole life, in every report (a Redis started with --redis-unsafe-durability).</summary>
    public IReadOnlyList<string> StandingWarnings { get; init; } = [];

    public TimeProvider Time { get; init; } = TimeProvider.System;

    public string ProcRoot { get; init; } = "/proc";
}

/// <summary>
/// Every Fjord process (`fjord up`, `fjord gateway`, `fjord worker`) writes one row about itself
/// every five seconds: one write per node per beat, off the job path. A node silent for
/// three beats is shown dead; one silent for a day is forgotten by the next beat of any node.
/// </summary>
public sealed partial class NodeHeartbeat : IAsyncDisposable
{
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan ForgetAfter = TimeSpan.FromDays(1);

    /// <summary>Three missed beats of the default interval: after this a node is shown dead.</summary>
    public static TimeSpan SilentAfter(TimeSpan interval) => interval * 3;

    private readonly INodeStore _store;
    private readonly NodeHeartbeatOptions _options;
    private readonly ILogger _logger;
    private readonly HostSampler _sampler;
    private readonly CancellationTokenSource _stop = new();
    private readonly DateTimeOffset _startedAt;
    private Task _loop = Task.CompletedTask;
    private bool _stealWarned;

    public NodeHeartbeat(INodeStore store, NodeHeartbeatOptions options, ILogger logger)
    {
        _store = store;
        _options = options;
        _logger = logger;
        _sampler = new HostSampler(options.DataDir, options.Time, options.ProcRoot);
        _startedAt = options.Time.GetUtcNow();
        // The first sample is the baseline the first beat's CPU figures are measured from.
        _sampler.Sample();
    }

    public string Id => _options.Id;

    /// <summary>The latest report (this node's own /metrics reads it); null before the first beat.</summary>
    public NodeReport? Latest { get; private set; }

    public static string Version { get; } =
        typeof(NodeHeartbeat).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    public void Start() => _loop = Task.Run(() => LoopAsync(_stop.Token), CancellationToken.None);

    private async Task LoopAsync(CancellationToken stop)
    {
        // The first beat at once, so a node is listed as soon as it is up.
        var wait = TimeSpan.Zero;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(wait, _options.Time, stop);
                wait = _options.Interval;
                await BeatAsync(stop);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // A store that is down now is the store's problem to report (/readyz); the next beat tries again.
                LogBeatFailed(_logger, ex);
            }
        }
    }

    /// <summary>Samples the host and writes one beat (the loop calls it every interval; tests call it directly).</summary>
    public async Task<NodeReport> BeatAsync(CancellationToken cancellationToken)
    {
        var report = Report();
        Latest = report;
        await _store.BeatAsync(report, cancellationToken);
        return report;
    }

    internal NodeReport Report()
    {
        var host = _sampler.Sample();
        var steal = _sampler.StealLastMinute;
        var warnings = new List<string>(_options.StandingWarnings);
        if (steal > _options.StealWarning)
        {
            var text = StealText(steal);
            warnings.Add(text);
            if (!_stealWarned)
                LogSteal(_logger, _options.Id, text);
            _stealWarned = true;
        }
        else if (_stealWarned)
        {
            _stealWarned = false;
            LogStealOver(_logger, _options.Id, StealText(steal));
        }
        return new NodeReport
        {
            Id = _options.Id,
            Role = _options.Role,
            Version = Version,
            StartedAt = _startedAt,
            LastSeenAt = _options.Time.GetUtcNow(),
            Host = host,
            Process = new ProcessFigures(Environment.WorkingSet),
            Slots = _options.Slots?.Invoke() ?? [],
            ImageCacheBytes = _options.ImageCacheBytes?.Invoke(),
            Runtimes = _options.Runtimes?.Invoke(),
            Warnings = warnings,
        };
    }

    public static string StealText(double steal) =>
        string.Create(CultureInfo.InvariantCulture, $"cpu steal {Math.Round(steal * 100):0}% over the last minute");

    /// <summary>FJORD_STEAL_WARNING: a fraction (<c>0.1</c>) or a percentage (<c>10%</c>); null when unset or not a number.</summary>
    public static double? ParseThreshold(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
            return null;
        var s = text.Trim();
        var percent = s.EndsWith('%');
        if (percent)
            s = s[..^1];
        if (!double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || value < 0)
            return null;
        return percent || value > 1 ? value / 100 : value;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
    }

    [LoggerMessage(EventId = 170, Level = LogLevel.Warning, Message = "Node {Node}: {Warning}; jobs here run slower than their CPU time says")]
    private static partial void LogSteal(ILogger logger, string node, string warning);

    [LoggerMessage(EventId = 171, Level = LogLevel.Information, Message = "Node {Node}: steal back under the threshold ({Figure})")]
    private static partial void LogStealOver(ILogger logger, string node, string figure);

    [LoggerMessage(EventId = 172, Level = LogLevel.Warning, Message = "Writing this node's heartbeat failed; the next beat tries again")]
    private static partial void LogBeatFailed(ILogger logger, Exception exception);
}
