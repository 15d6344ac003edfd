using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http;

namespace Fjord.Gateway.Json;

/// <summary>
/// Writes a JSON answer with a Content-Length in one write. HttpResponse.WriteAsJsonAsync streams
/// with chunked transfer encoding: for the small bodies every route here answers, that is two
/// extra writes and chunk framing per request on the intake hot path, for nothing.
/// </summary>
internal static class JsonResponse
{
    public const string Json = "application/json; charset=utf-8";

    public static Task WriteJsonAsync<T>(this HttpResponse response, T value, JsonTypeInfo<T> type, string contentType = Json, CancellationToken cancellationToken = default)
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(value, type);
        response.ContentType = contentType;
        response.ContentLength = bytes.Length;
        return response.Body.WriteAsync(bytes, cancellationToken).AsTask();
    }
}
