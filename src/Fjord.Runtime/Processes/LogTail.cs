using System.Text;

namespace Fjord.Runtime.Processes;

/// <summary>
/// Keeps the last <see cref="Capacity"/> bytes written to it. A job's log is kept by its tail:
/// the end of stderr holds the traceback or the last words before a crash, the start rarely does.
/// </summary>
internal sealed class LogTail(int capacity)
{
    private readonly byte[] _ring = new byte[capacity];
    private long _written;

    public int Capacity => _ring.Length;

    public void Append(ReadOnlySpan<byte> data)
    {
        _written += data.Length;
        if (data.Length > _ring.Length)
            data = data[^_ring.Length..];
        var start = (int)((_written - data.Length) % _ring.Length);
        var first = Math.Min(data.Length, _ring.Length - start);
        data[..first].CopyTo(_ring.AsSpan(start));
        data[first..].CopyTo(_ring);
    }

    /// <summary>The kept bytes, oldest first; the tail keeps them.</summary>
    public byte[] Kept()
    {
        var length = (int)Math.Min(_written, _ring.Length);
        var bytes = new byte[length];
        var start = (int)((_written - length) % _ring.Length);
        var first = Math.Min(length, _ring.Length - start);
        _ring.AsSpan(start, first).CopyTo(bytes);
        _ring.AsSpan(0, length - first).CopyTo(bytes.AsSpan(first));
        return bytes;
    }

    /// <summary>The kept bytes as text (a cut UTF-8 sequence at the start becomes U+FFFD), then empties the tail.</summary>
    public string Take()
    {
        var text = Encoding.UTF8.GetString(Kept());
        if (_written > _ring.Length)
            text = $"[log truncated: {_written - _ring.Length} earlier bytes dropped]\n" + text;
        _written = 0;
        return text;
    }
}
