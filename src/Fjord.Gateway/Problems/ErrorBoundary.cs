using Fjord.Core.Queue;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Fjord.Gateway.Problems;

/// <summary>
/// Turns what escapes an endpoint into problem+json. Above all a store that cannot confirm a
/// write becomes 503, never a 2xx: the client must not believe an unconfirmed job is durable.
/// </summary>
internal sealed class ErrorBoundary(ILogger<ErrorBoundary> logger)
{
    public async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        try
        {
            await next(context);
        }
        catch (StoreUnavailableException e)
        {
            GatewayLog.StoreUnavailable(logger, context.Request.Path.Value ?? "", e);
            await Problem.WriteAsync(context, ProblemType.StoreUnavailable, e.Message);
        }
        catch (QueueFullException e)
        {
            context.Response.Headers.RetryAfter = RetryAfter.Seconds(e.RetryAfter).ToString(System.Globalization.CultureInfo.InvariantCulture);
            await Problem.WriteAsync(context, ProblemType.QueueFull, e.Message);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            await Problem.WriteAsync(context, ProblemType.TooLarge, "the request body is larger than this route accepts");
        }
        catch (BadHttpRequestException e)
        {
            await Problem.WriteAsync(context, ProblemType.InvalidRequest, e.Message);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException && context.RequestAborted.IsCancellationRequested)
        {
            // The client went away; there is no one to answer.
        }
        catch (Exception e)
        {
            GatewayLog.Unhandled(logger, context.Request.Method, context.Request.Path.Value ?? "", e);
            await Problem.WriteAsync(context, ProblemType.Internal, "an unexpected error occurred; see the gateway log");
        }
    }
}
