using System.Buffers;
using Microsoft.AspNetCore.Http;

namespace Fjord.Gateway.Endpoints;

/// <summary>Reads a whole request body with one allocation of exactly its size.</summary>
internal static class RequestBody
{
    /// <summary>The body, or null when it is larger than <paramref name="max"/> bytes (the caller answers 413).</summary>
    public static async ValueTask<byte[]?> ReadAsync(HttpRequest request, long max, CancellationToken cancellationToken)
    {
        if (request.ContentLength is { } length)
        {
            if (length > max)
                return null;
            if (length == 0)
                return [];
            var buffer = new byte[length];
            var read = 0;
            while (read < buffer.Length)
            {
                var n = await request.Body.ReadAsync(buffer.AsMemory(read), cancellationToken);
                if (n == 0)
                    throw new BadHttpRequestException("the body ended before its Content-Length");
                read += n;
            }
            return buffer;
        }

        // Chunked: let the pipe accumulate the whole body, then copy it out once.
        var reader = request.BodyReader;
        while (true)
        {
            var result = await reader.ReadAsync(cancellationToken);
            var body = result.Buffer;
            if (body.Length > max)
            {
                reader.AdvanceTo(body.Start, body.End);
                return null;
            }
            if (result.IsCompleted)
            {
                var bytes = body.ToArray();
                reader.AdvanceTo(body.End);
                return bytes;
            }
            reader.AdvanceTo(body.Start, body.End);
        }
    }
}
