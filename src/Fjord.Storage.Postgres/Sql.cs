using Npgsql;

namespace Fjord.Storage.Postgres;

/// <summary>Positional parameters ($1, $2 …) typed by their CLR type, so a null still has a type.</summary>
internal static class Sql
{
    /// <summary>
    /// A CTE, <c>no_flush</c>, that lets the statement's own transaction commit without waiting
    /// for its WAL flush (<c>synchronous_commit</c> off, for this transaction only). For writes
    /// that promise no caller anything; the statement must reference it (<c>FROM no_flush</c>)
    /// or PostgreSQL never evaluates it.
    /// </summary>
    public const string NoFlush = "no_flush AS (SELECT set_config('synchronous_commit', 'off', true) AS v)";

    public static NpgsqlCommand Arg<T>(this NpgsqlCommand command, T value)
    {
        command.Parameters.Add(new NpgsqlParameter<T> { TypedValue = value });
        return command;
    }

    public static NpgsqlBatchCommand Arg<T>(this NpgsqlBatchCommand command, T value)
    {
        command.Parameters.Add(new NpgsqlParameter<T> { TypedValue = value });
        return command;
    }
}
