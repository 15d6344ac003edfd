using Fjord.Core.Storage;

namespace Fjord.Storage.Sqlite.Reads;

/// <summary>The columns <see cref="JobRowReader"/> reads, in SQLite.</summary>
internal static class JobRows
{
    /// <summary>Every column a record needs, none of the blobs (length() reads no blob content).</summary>
    public const string Columns = $"{JobRowReader.ColumnsBeforeSize}, length(result), {JobRowReader.ColumnsAfterSize}";
}
