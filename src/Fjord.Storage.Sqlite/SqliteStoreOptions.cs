using Microsoft.Extensions.Logging;

namespace Fjord.Storage.Sqlite;

/// <summary>Where the embedded store keeps its file, and how long a lease lives.</summary>
public sealed record SqliteStoreOptions
{
    /// <summary>The SQLite file (e.g. <c>{data}/fjord.db</c>); its folder is created when missing.</summary>
    public required string Path { get; init; }

    /// <summary>This process's node name, for the store's own log lines.</summary>
    public string Node { get; init; } = "embedded";

    /// <summary>
    /// How long a claim lives without renewal. Short, because a running job renews it: a dead
    /// worker is noticed within one lease instead of one long visibility timeout.
    /// </summary>
    public TimeSpan LeaseDuration { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How often the writer looks for expired leases (and at most how long a parked fetch sleeps).</summary>
    public TimeSpan ReapInterval { get; init; } = TimeSpan.FromSeconds(1);

    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>How many jobs one listing page examines for a filter no index serves (see <see cref="SqliteStore.ListJobsAsync"/>); tests make it small.</summary>
    internal int ListScanBound { get; init; } = 10_000;

    /// <summary>
    /// How long the writer must have had nothing to write before it empties the WAL (a TRUNCATE
    /// checkpoint; see WriterLoop.Space.cs); tests make it short.
    /// </summary>
    internal TimeSpan QuietCheckpoint { get; init; } = TimeSpan.FromSeconds(10);

    public ILoggerFactory? LoggerFactory { get; init; }
}
