using Microsoft.Extensions.Logging;
using Npgsql;

namespace Fjord.Storage.Postgres;

/// <summary>
/// One LISTEN connection per process, on two channels. Completions on any node NOTIFY
/// fjord_job_end with the job id (inside their own transaction, so the notice arrives only after
/// the commit; an ack only for a sync job, the one kind a caller waits on), and the waiters for
/// that id here are woken. A cancel of a running job also
/// NOTIFYs fjord_job_cancel, and the leases of that job held here are told to stop. When the
/// connection drops it reconnects; meanwhile waiters poll and leases learn it at their next
/// (refused) renewal, so a lost notice only delays.
/// </summary>
internal sealed partial class JobEndListener(NpgsqlDataSource dataSource, ILogger logger) : IAsyncDisposable
{
    public const string EndChannel = "fjord_job_end";
    public const string CancelChannel = "fjord_job_cancel";

    private readonly CancellationTokenSource _stop = new();
    private Task _loop = Task.CompletedTask;

    /// <summary>Waiters for a job's end (any terminal status).</summary>
    public IdWaiters Ends { get; } = new();

    /// <summary>Leases waiting to hear that their running job was canceled.</summary>
    public IdWaiters Cancels { get; } = new();

    public void Start() => _loop = Task.Run(RunAsync);

    private void OnNotice(string channel, string id) =>
        (channel == CancelChannel ? Cancels : Ends).Signal(id);

    private async Task RunAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                await using var connection = await dataSource.OpenConnectionAsync(_stop.Token);
                connection.Notification += (_, e) => OnNotice(e.Channel, e.Payload);
                await using (var listen = new NpgsqlCommand($"LISTEN {EndChannel}; LISTEN {CancelChannel}", connection))
                    await listen.ExecuteNonQueryAsync(_stop.Token);
                while (!_stop.IsCancellationRequested)
                {
                    // Keepalive on the connection string notices a dead link; the timeout makes
                    // the loop re-check the stop signal.
                    await connection.WaitAsync(TimeSpan.FromSeconds(30), _stop.Token);
                }
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                LogListenFailed(logger, ex);
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(1), _stop.Token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
    }

    [LoggerMessage(EventId = 301, Level = LogLevel.Warning, Message = "Listening for job ends failed; reconnecting")]
    private static partial void LogListenFailed(ILogger logger, Exception ex);
}
