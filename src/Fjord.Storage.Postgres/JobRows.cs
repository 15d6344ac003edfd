using Fjord.Core.Storage;

namespace Fjord.Storage.Postgres;

/// <summary>The columns <see cref="JobRowReader"/> reads, in PostgreSQL.</summary>
internal static class JobRows
{
    /// <summary>Every column a record needs, none of the blobs (octet_length reads no blob content).</summary>
    public const string Columns = $"{JobRowReader.ColumnsBeforeSize}, octet_length(result), {JobRowReader.ColumnsAfterSize}";
}
