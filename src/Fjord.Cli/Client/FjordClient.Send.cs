using System.Net;
using System.Net.Sockets;
using System.Text.Json;

namespace Fjord.Cli.Client;

internal sealed partial class FjordClient
{
    /// <summary>
    /// Sends and maps every way it can go wrong to one exit code: no connection or no answer in
    /// time (3), refused key (3), and the gateway's own no (<see cref="FjordApiException.ExitCodeFor"/>).
    /// Cancellation by the caller (Ctrl+C) is passed through untouched.
    /// </summary>
    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, TimeSpan? timeout, CancellationToken ct)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        if (timeout is { } t)
            deadline.CancelAfter(t);
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, deadline.Token);
        }
        catch (OperationCanceledException e) when (!ct.IsCancellationRequested)
        {
            throw new CliException(ExitCodes.Unreachable, $"the gateway at {Url} did not answer within {timeout?.TotalSeconds:0} s", e);
        }
        catch (HttpRequestException e)
        {
            throw new CliException(ExitCodes.Unreachable, $"cannot reach the gateway at {Url}: {Reason(e)}", e);
        }

        if (response.IsSuccessStatusCode)
            return response;

        using (response)
        {
            var body = await ReadErrorBodyAsync(response, ct);
            var problem = Problem.Parse(response.StatusCode, response.Content.Headers.ContentType?.MediaType, body);
            throw new FjordApiException(FjordApiException.ExitCodeFor(response.StatusCode), Describe(problem, response), problem);
        }
    }

    private string Describe(Problem problem, HttpResponseMessage response)
    {
        var text = problem.Describe();
        switch (response.StatusCode)
        {
            case HttpStatusCode.Unauthorized when settings.Key is null:
                return $"not authorised: no API key (set $FJORD_KEY, or run where {settings.KeySource} exists)";
            case HttpStatusCode.Unauthorized:
                return $"not authorised: the gateway at {Url} refused the key from {settings.KeySource}";
            case HttpStatusCode.Forbidden:
                return $"forbidden: {text}";
            case HttpStatusCode.TooManyRequests when response.Headers.RetryAfter?.Delta is { } wait:
                return $"{text} (retry after {wait.TotalSeconds:0} s)";
            default:
                return problem.JobId is { } job ? $"{text} (job {job}; see `fjord logs {job}`)" : text;
        }
    }

    private static async Task<string> ReadErrorBodyAsync(HttpResponseMessage response, CancellationToken ct)
    {
        try
        {
            return await response.Content.ReadAsStringAsync(ct);
        }
        catch (HttpRequestException)
        {
            return "";
        }
    }

    private async Task<JsonElement> ReadJsonAsync(HttpResponseMessage response, CancellationToken ct)
    {
        try
        {
            await using var stream = await response.Content.ReadAsStreamAsync(ct);
            using var doc = await JsonDocument.ParseAsync(stream, cancellationToken: ct);
            return doc.RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw new CliException(ExitCodes.Failed, $"the gateway at {Url} sent an answer that is not JSON ({response.RequestMessage?.Method} {response.RequestMessage?.RequestUri?.AbsolutePath})", e);
        }
        catch (HttpRequestException e)
        {
            throw new CliException(ExitCodes.Unreachable, $"the connection to the gateway at {Url} broke: {Reason(e)}", e);
        }
    }

    private static string Reason(HttpRequestException e) => e.InnerException switch
    {
        SocketException { SocketErrorCode: SocketError.ConnectionRefused } => "connection refused (is `fjord up` running?)",
        SocketException s => s.Message,
        { } inner => inner.Message,
        null => e.Message,
    };
}
