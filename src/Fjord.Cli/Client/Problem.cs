using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.WebUtilities;

namespace Fjord.Cli.Client;

/// <summary>
/// An RFC 9457 problem answer, reduced to what a user needs on one line: the detail (or title),
/// and for 400 the listed validation errors. Also makes do with a plain-text or empty error body.
/// </summary>
internal sealed record Problem(HttpStatusCode Status, string? Type, string? Title, string? Detail, IReadOnlyList<string> Errors, string? JobId)
{
    private const int MaxBodyChars = 300;

    /// <summary>The one line printed after <c>fjord: </c>.</summary>
    public string Describe()
    {
        var text = new StringBuilder(Detail ?? Title ?? $"HTTP {(int)Status} {ReasonOf(Status)}");
        if (Errors.Count > 0)
            text.Append(": ").AppendJoin("; ", Errors);
        return text.ToString();
    }

    public static Problem Parse(HttpStatusCode status, string? mediaType, string body)
    {
        var trimmed = body.Trim();
        if (trimmed.StartsWith('{') && (mediaType is null || mediaType.Contains("json", StringComparison.OrdinalIgnoreCase)))
        {
            try
            {
                using var doc = JsonDocument.Parse(trimmed);
                var root = doc.RootElement;
                return new Problem(
                    status,
                    root.String("type"),
                    root.String("title"),
                    root.String("detail") ?? root.String("error") ?? root.String("message"),
                    ReadErrors(root),
                    root.String("jobId"));
            }
            catch (JsonException)
            {
                // Not JSON after all: fall through and show the text.
            }
        }
        var firstLine = trimmed.Split('\n', 2)[0].Trim();
        if (firstLine.Length > MaxBodyChars)
            firstLine = firstLine[..MaxBodyChars] + "…";
        var detail = firstLine.Length == 0 ? null : $"HTTP {(int)status} {ReasonOf(status)}: {firstLine}";
        return new Problem(status, null, null, detail, [], null);
    }

    /// <summary>
    /// Validation errors come either as a list of strings or, in ASP.NET Core's
    /// ValidationProblemDetails form, as an object of field → messages.
    /// </summary>
    private static List<string> ReadErrors(JsonElement root)
    {
        var errors = new List<string>();
        switch (root.Get("errors"))
        {
            case { ValueKind: JsonValueKind.Array } list:
                foreach (var item in list.EnumerateArray())
                    errors.Add(item.ValueKind == JsonValueKind.String ? item.GetString()! : item.GetRawText());
                break;
            case { ValueKind: JsonValueKind.Object } map:
                foreach (var field in map.EnumerateObject())
                {
                    var messages = field.Value.ValueKind == JsonValueKind.Array
                        ? field.Value.EnumerateArray().Select(m => m.ValueKind == JsonValueKind.String ? m.GetString() : m.GetRawText())
                        : [field.Value.ValueKind == JsonValueKind.String ? field.Value.GetString() : field.Value.GetRawText()];
                    foreach (var message in messages)
                        errors.Add(field.Name.Length == 0 ? message ?? "" : $"{field.Name}: {message}");
                }
                break;
        }
        return errors;
    }

    private static string ReasonOf(HttpStatusCode status) =>
        ReasonPhrases.GetReasonPhrase((int)status) is { Length: > 0 } reason ? reason : "error";
}
