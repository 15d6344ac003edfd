using System.Security.Cryptography;

namespace Fjord.Core.Jobs;

/// <summary>
/// Job ids are UUIDv7 strings (32 lower-case hex digits): unique without coordination across
/// gateways, and ordered by creation, which "newest first" cursor paging relies on. Within one
/// process they are strictly increasing even inside one millisecond: the 12 bits after the
/// version hold a counter (RFC 9562 §6.2, method 1) instead of randomness, so jobs accepted in
/// the same millisecond still page in the order they were accepted.
/// </summary>
public static class JobId
{
    private static readonly Lock Gate = new();
    private static long _lastMs;
    private static int _counter;

    public static string New()
    {
        long ms;
        int counter;
        lock (Gate)
        {
            ms = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            if (ms <= _lastMs)
            {
                ms = _lastMs;
                if (++_counter > 0xFFF)
                {
                    // 4096 ids in one millisecond: borrow the next millisecond rather than repeat.
                    ms = ++_lastMs;
                    _counter = 0;
                }
            }
            else
            {
                _lastMs = ms;
                _counter = 0;
            }
            counter = _counter;
        }

        Span<byte> bytes = stackalloc byte[16];
        RandomNumberGenerator.Fill(bytes[8..]);
        for (var i = 0; i < 6; i++)
            bytes[i] = (byte)(ms >> (40 - 8 * i));
        bytes[6] = (byte)(0x70 | (counter >> 8));
        bytes[7] = (byte)counter;
        bytes[8] = (byte)(0x80 | (bytes[8] & 0x3F));
        return Convert.ToHexStringLower(bytes);
    }

    /// <summary>
    /// The smallest id a job created at or after <paramref name="time"/> can have: ids begin with
    /// their creation millisecond, so <c>id &gt;= Floor(t)</c> means "created at or after t".
    /// </summary>
    public static string Floor(DateTimeOffset time)
    {
        var ms = Math.Clamp(time.ToUnixTimeMilliseconds(), 0, 0xFFFF_FFFF_FFFF);
        return ms.ToString("x12", System.Globalization.CultureInfo.InvariantCulture) + new string('0', 20);
    }

    public static bool IsValid(string? id) =>
        id is { Length: 32 } && id.All(c => char.IsAsciiHexDigitLower(c) || char.IsAsciiDigit(c));

    public static string NewToken() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
}
