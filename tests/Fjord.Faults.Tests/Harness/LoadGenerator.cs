using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Fjord.Faults.Tests.Harness;

internal enum Answer
{
    /// <summary>202 with an id: Fjord promised the job is on disk.</summary>
    Accepted,
    /// <summary>An HTTP answer other than 202 (429, 503, …): no promise was made.</summary>
    Rejected,
    /// <summary>The connection was refused: the request never reached a gateway, so no job exists.</summary>
    Refused,
    /// <summary>Reset or timed out after the request may have been read: the job may or may not exist.</summary>
    Indeterminate,
}

/// <summary>One request of the load, as the client saw it.</summary>
internal sealed record Sent(int Index, string Token, Answer Answer, int Status, string? Id, TimeSpan At);

/// <summary>
/// Sends <c>POST /v1/functions/{f}/jobs</c> at a steady rate with a bound on requests in flight
/// and records what every request got. The steady rate matters for the outage scenarios: intake
/// keeps knocking while the node is down, so refusals and indeterminate answers really happen.
/// </summary>
internal sealed class LoadGenerator : IDisposable
{
    private readonly HttpClient _http;
    private readonly ConcurrentBag<Sent> _sent = [];
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    public LoadGenerator(Uri baseAddress, TimeSpan requestTimeout)
    {
        var handler = new SocketsHttpHandler
        {
            ConnectTimeout = TimeSpan.FromSeconds(2),
            PooledConnectionLifetime = TimeSpan.FromSeconds(30),
            MaxConnectionsPerServer = 64,
        };
        _http = new HttpClient(handler) { BaseAddress = baseAddress, Timeout = requestTimeout };
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", FjordNode.AdminKey);
    }

    /// <summary>The clock <see cref="Sent.At"/> is measured on.</summary>
    public TimeSpan Elapsed => _clock.Elapsed;

    public IReadOnlyList<Sent> Sent => [.. _sent.OrderBy(s => s.Index)];

    public int AcceptedCount => _sent.Count(s => s.Answer == Answer.Accepted);

    /// <summary>
    /// Sends <paramref name="count"/> jobs to <paramref name="function"/>; payload is <c>token sleepMs</c>,
    /// tokens are <c>function-index</c> from <paramref name="firstIndex"/> on.
    /// </summary>
    public async Task RunAsync(string function, int count, double perSecond, int inFlight, int sleepMs, int firstIndex = 0, CancellationToken cancellationToken = default)
    {
        using var gate = new SemaphoreSlim(inFlight);
        var tasks = new List<Task>(count);
        var start = _clock.Elapsed;
        for (var i = 0; i < count && !cancellationToken.IsCancellationRequested; i++)
        {
            var due = start + TimeSpan.FromSeconds(i / perSecond);
            var wait = due - _clock.Elapsed;
            if (wait > TimeSpan.Zero)
                await Task.Delay(wait, CancellationToken.None);
            await gate.WaitAsync(CancellationToken.None);
            var index = firstIndex + i;
            tasks.Add(Task.Run(async () =>
            {
                try
                {
                    await SendOneAsync(function, index, sleepMs);
                }
                finally
                {
                    gate.Release();
                }
            }, CancellationToken.None));
        }
        await Task.WhenAll(tasks);
    }

    private async Task SendOneAsync(string function, int index, int sleepMs)
    {
        var token = $"{function}-{index}";
        var at = _clock.Elapsed;
        try
        {
            using var content = new StringContent($"{token} {sleepMs}", Encoding.ASCII);
            using var response = await _http.PostAsync($"/v1/functions/{function}/jobs", content);
            if (response.StatusCode == HttpStatusCode.Accepted)
            {
                using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
                _sent.Add(new Sent(index, token, Answer.Accepted, 202, doc.RootElement.GetProperty("id").GetString(), at));
            }
            else
            {
                _sent.Add(new Sent(index, token, Answer.Rejected, (int)response.StatusCode, null, at));
            }
        }
        catch (HttpRequestException e) when (e.InnerException is SocketException { SocketErrorCode: SocketError.ConnectionRefused })
        {
            _sent.Add(new Sent(index, token, Answer.Refused, 0, null, at));
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException or JsonException)
        {
            // Reset, timed out, or a 202 whose body was cut off: a job may exist without our knowing its id.
            _sent.Add(new Sent(index, token, Answer.Indeterminate, 0, null, at));
        }
    }

    public void Dispose() => _http.Dispose();
}
