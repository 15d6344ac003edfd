using Microsoft.Extensions.Logging;

namespace Fjord.Storage.Postgres;

/// <summary>Where the records live, and how long a lease lives without renewal.</summary>
public sealed record PostgresStoreOptions
{
    /// <summary><c>postgres://user:pass@host:port/db</c> or an Npgsql <c>Host=…</c> string.</summary>
    public required string ConnectionString { get; init; }

    /// <summary>
    /// How long a claim lives without renewal. Leases are kept on the database's clock (one
    /// clock for every node), so node clocks may drift without handing a live job out twice.
    /// </summary>
    public TimeSpan LeaseDuration { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long intake owns the outbox rows of the jobs it publishes itself. A relay takes over
    /// rows older than this (the intake node died between commit and confirm).
    /// </summary>
    public TimeSpan InlinePublishClaim { get; init; } = TimeSpan.FromSeconds(10);

    public ILoggerFactory? LoggerFactory { get; init; }
}
