using Npgsql;

namespace Fjord.Storage.Postgres;

/// <summary>Positional parameters ($1, $2 …) typed by their CLR type, so a null still has a type.</summary>
internal static class Sql
{
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
