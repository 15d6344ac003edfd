using System.Text.Json;

namespace Fjord.Gateway.Endpoints;

/// <summary>
/// Splits a <c>jobs:batch</c> body (a JSON array) into the raw UTF-8 text of each element,
/// as slices of the body: no element is copied or re-serialized.
/// </summary>
internal static class BatchPayloads
{
    public enum Outcome
    {
        Ok,
        Invalid,
        TooMany,
    }

    public static Outcome TrySplit(byte[] body, int maxCount, List<ReadOnlyMemory<byte>> items, out string? error)
    {
        error = null;
        try
        {
            var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = 128 });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartArray)
            {
                error = "the body must be a JSON array of payloads";
                return Outcome.Invalid;
            }
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                var start = (int)reader.TokenStartIndex;
                reader.Skip();
                var end = (int)reader.BytesConsumed;
                if (items.Count == maxCount)
                {
                    error = $"a batch holds at most {maxCount} payloads";
                    return Outcome.TooMany;
                }
                items.Add(body.AsMemory(start, end - start));
            }
            if (reader.TokenType != JsonTokenType.EndArray || reader.Read())
            {
                error = "the body must be exactly one JSON array";
                return Outcome.Invalid;
            }
        }
        catch (JsonException e)
        {
            error = "the body is not valid JSON: " + e.Message;
            return Outcome.Invalid;
        }
        if (items.Count == 0)
        {
            error = "the batch is empty";
            return Outcome.Invalid;
        }
        return Outcome.Ok;
    }
}
