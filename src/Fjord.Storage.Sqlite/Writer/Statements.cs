using Microsoft.Data.Sqlite;

namespace Fjord.Storage.Sqlite.Writer;

/// <summary>
/// One SQL text the writer runs again and again. Each gets a slot so the writer can keep its
/// prepared command in an array: no parsing, no planning and no dictionary lookup per job.
/// </summary>
internal sealed class SqlText
{
    private static int s_count;

    public SqlText(string text)
    {
        Text = text;
        Slot = Interlocked.Increment(ref s_count) - 1;
    }

    public string Text { get; }

    public int Slot { get; }
}

/// <summary>A reusable prepared command with its parameters kept between runs.</summary>
internal sealed class Statement(SqliteCommand command)
{
    // By name, for readable call sites; a dictionary, because the collection's own lookup by
    // name is a linear scan, paid per parameter per job.
    private readonly Dictionary<string, SqliteParameter> _parameters = new(StringComparer.Ordinal);

    public Statement Set(string name, object? value)
    {
        if (!_parameters.TryGetValue(name, out var parameter))
        {
            parameter = command.Parameters.Add(new SqliteParameter(name, null));
            _parameters[name] = parameter;
        }
        parameter.Value = value ?? DBNull.Value;
        return this;
    }

    public int Run() => command.ExecuteNonQuery();

    public SqliteDataReader Read() => command.ExecuteReader();

    public object? Scalar() => command.ExecuteScalar();

    public void Dispose() => command.Dispose();
}

/// <summary>The writer connection's prepared commands, created on first use.</summary>
internal sealed class Statements(SqliteConnection connection) : IDisposable
{
    private Statement?[] _cache = new Statement?[64];

    public SqliteConnection Connection => connection;

    public Statement this[SqlText sql]
    {
        get
        {
            if (sql.Slot >= _cache.Length)
                Array.Resize(ref _cache, Math.Max(sql.Slot + 1, _cache.Length * 2));
            return _cache[sql.Slot] ??= Create(sql.Text);
        }
    }

    private Statement Create(string text)
    {
        var command = connection.CreateCommand();
        command.CommandText = text;
        return new Statement(command);
    }

    public void Dispose()
    {
        foreach (var statement in _cache)
            statement?.Dispose();
        Array.Clear(_cache);
    }
}
