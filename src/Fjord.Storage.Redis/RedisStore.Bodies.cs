using Fjord.Core.Queue;
using StackExchange.Redis;

namespace Fjord.Storage.Redis;

/// <summary>Payloads and results in their stored form (<see cref="StoredBody"/>): compressed past a size, refused past the cap.</summary>
public sealed partial class RedisStore
{
    /// <summary>The payload as Redis keeps it; a payload over the cap refuses the whole request before anything is written.</summary>
    private ReadOnlyMemory<byte> StoredPayload(ReadOnlyMemory<byte> payload) =>
        StoredBody.Encode(payload, Options.CompressAbove, Options.MaxBodyBytes)
        ?? throw new PayloadTooLargeException(StoredBody.TooLarge("payload", payload.Length, Options.MaxBodyBytes));

    /// <summary>The result as Redis keeps it, or null (with why) when it is over the cap.</summary>
    internal ReadOnlyMemory<byte>? StoredResult(byte[] result, out string? refusal)
    {
        var stored = StoredBody.Encode(result, Options.CompressAbove, Options.MaxBodyBytes);
        refusal = stored is null ? StoredBody.TooLarge("result", result.Length, Options.MaxBodyBytes) + "; the job failed rather than fill Redis" : null;
        return stored;
    }

    /// <summary>A body's length as it came: from the header when it is kept compressed.</summary>
    private static async Task<long> BodyLengthAsync(Task<long> storedLength, Task<RedisValue> head)
    {
        var first = await head;
        return StoredBody.OriginalLength(first.IsNull ? [] : (byte[])first!) ?? await storedLength;
    }
}
