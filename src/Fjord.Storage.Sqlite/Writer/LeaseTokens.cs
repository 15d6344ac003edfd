namespace Fjord.Storage.Sqlite.Writer;

/// <summary>
/// Fencing tokens: one monotonic counter for the whole file, handed out by the writer. The file
/// remembers a reservation (a high-water mark) instead of every token, so tokens keep rising
/// across restarts at the cost of one tiny write per <see cref="Block"/> claims.
/// </summary>
internal sealed class LeaseTokens(long reservedOnDisk)
{
    private const long Block = 1 << 16;

    private static readonly SqlText Reserve = new(
        "INSERT INTO meta(key, value) VALUES ('lease_token', $value) ON CONFLICT(key) DO UPDATE SET value = excluded.value");

    private long _last = reservedOnDisk;
    private long _reserved = reservedOnDisk;
    private long _reservedCommitted = reservedOnDisk;

    /// <summary>Takes <paramref name="count"/> tokens; returns the one before the first (tokens are base+1 … base+count).</summary>
    public long Take(Statements sql, int count)
    {
        var first = _last;
        _last += count;
        if (_last > _reserved)
        {
            _reserved = _last + Block;
            sql[Reserve].Set("$value", _reserved).Run();
        }
        return first;
    }

    public void Commit() => _reservedCommitted = _reserved;

    /// <summary>A rolled-back reservation is gone from the file: reserve again next time. Tokens taken stay taken (gaps are harmless).</summary>
    public void Rollback() => _reserved = Math.Min(_reserved, _reservedCommitted);
}
