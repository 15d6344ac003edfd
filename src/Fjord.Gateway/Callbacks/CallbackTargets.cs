using System.Net;
using System.Net.Sockets;

namespace Fjord.Gateway.Callbacks;

/// <summary>
/// Where a callback may go (SSRF defence). A callback URL comes from whoever may invoke the
/// function, and this node POSTs to it from inside the operator's network, so by default it goes
/// only to public addresses (see <see cref="NonPublicAddresses"/>) unless the operator lists more
/// (<see cref="CallbackAllowList"/>). The check runs twice: at intake, so the caller gets a 400
/// at once, and again on the socket actually dialled (<see cref="ConnectAsync"/>, the
/// <c>ConnectCallback</c> of the sender's handler), so a name that resolved to a public address
/// at intake and to 127.0.0.1 at delivery (DNS rebinding), or a URL accepted under a wider
/// allowlist than today's, is still refused.
/// </summary>
internal sealed class CallbackTargets(CallbackOptions options)
{
    private static readonly TimeSpan ResolveTimeout = TimeSpan.FromSeconds(5);

    private readonly CallbackAllowList _allow = options.Allow;
    private readonly Func<string, CancellationToken, Task<IPAddress[]>> _resolve = options.Resolve;

    /// <summary>Null when intake may accept <paramref name="url"/>; else the one-line reason for the 400.</summary>
    public async Task<string?> RefusalAsync(Uri url, CancellationToken cancellationToken)
    {
        var host = url.IdnHost;
        if (_allow.AllowsName(host))
            return null;
        IPAddress[] addresses;
        if (IPAddress.TryParse(host, out var literal))
        {
            addresses = [literal];
        }
        else
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(ResolveTimeout);
            try
            {
                addresses = await _resolve(host, deadline.Token);
            }
            catch (Exception e) when (e is SocketException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
                return $"X-Callback-Url: the host '{host}' does not resolve";
            }
            if (addresses.Length == 0)
                return $"X-Callback-Url: the host '{host}' does not resolve";
        }
        foreach (var address in addresses)
        {
            if (Refused(address) is { } kind)
            {
                var which = literal is null ? $"'{host}' resolves to {address}, a {kind} address" : $"{address} is a {kind} address";
                return $"X-Callback-Url: {which}; callbacks go only to public addresses unless the operator allows more (--callback-allow)";
            }
        }
        return null;
    }

    /// <summary>
    /// The sender's <c>ConnectCallback</c>: resolves the host itself and dials only addresses the
    /// policy allows, so the address checked is the address connected to.
    /// </summary>
    public async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var host = context.DnsEndPoint.Host;
        var bare = host.Trim('[', ']');
        IPAddress[] addresses = IPAddress.TryParse(bare, out var literal) ? [literal] : await _resolve(host, cancellationToken);
        var byName = literal is null && _allow.AllowsName(host);
        var permitted = byName ? addresses : Array.FindAll(addresses, a => Refused(a) is null);
        if (permitted.Length == 0)
        {
            var first = addresses.Length > 0 ? addresses[0] : null;
            throw new CallbackRefusedException(first is null
                ? $"'{host}' does not resolve"
                : $"refused at connect: '{host}' is {first}, a {Refused(first)} address not on --callback-allow");
        }
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(permitted, context.DnsEndPoint.Port, cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Null when a callback may reach <paramref name="address"/>; else its kind.</summary>
    private string? Refused(IPAddress address) =>
        NonPublicAddresses.Kind(address) is { } kind && !_allow.AllowsAddress(address) ? kind : null;
}

/// <summary>A callback's target was refused on the socket: the reason goes to the node's log, never to the job record.</summary>
internal sealed class CallbackRefusedException(string message) : IOException(message);
