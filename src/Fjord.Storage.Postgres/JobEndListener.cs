using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Fjord.Storage.Postgres;

/// <summary>
/// One LISTEN connection per process: completions on any node NOTIFY fjord_job_end with the
/// job id (inside their own transaction, so the notice arrives only after the commit), and the
/// waiters for that id here are woken. When the connection drops it reconnects; waiters poll
/// meanwhile, so a lost notice only delays an answer.
/// </summary>
internal sealed partial class JobEndListener(NpgsqlDataSource dataSource, ILogger logger) : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, List<TaskCompletionSource>> _waiters = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = new();
    private Task _loop = Task.CompletedTask;

    public void Start() => _loop = Task.Run(RunAsync);

    public TaskCompletionSource Add(string id)
    {
        var waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var list = _waiters.GetOrAdd(id, _ => []);
        lock (list)
            list.Add(waiter);
        return waiter;
    }

    public void Remove(string id, TaskCompletionSource waiter)
    {
        if (!_waiters.TryGetValue(id, out var list))
            return;
        lock (list)
        {
            list.Remove(waiter);
            if (list.Count == 0)
                _waiters.TryRemove(new KeyValuePair<string, List<TaskCompletionSource>>(id, list));
        }
    }

    private void Signal(string id)
    {
        if (!_waiters.TryGetValue(id, out var list))
            return;
        lock (list)
        {
            foreach (var waiter in list)
                waiter.TrySetResult();
        }
    }

    private async Task RunAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                await using var connection = await dataSource.OpenConnectionAsync(_stop.Token);
                connection.Notification += (_, e) => Signal(e.Payload);
                await using (var listen = new NpgsqlCommand("LISTEN fjord_job_end", connection))
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
