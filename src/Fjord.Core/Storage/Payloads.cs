using System.Runtime.InteropServices;

namespace Fjord.Core.Storage;

public static class Payloads
{
    /// <summary>Database drivers bind arrays: avoid a copy when the payload already is one whole array.</summary>
    public static byte[] AsArray(ReadOnlyMemory<byte> payload) =>
        MemoryMarshal.TryGetArray(payload, out var segment) && segment.Offset == 0 && segment.Count == segment.Array!.Length
            ? segment.Array
            : payload.ToArray();
}
