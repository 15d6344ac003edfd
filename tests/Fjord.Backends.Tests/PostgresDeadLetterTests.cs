using Fjord.Core.Jobs;
using Fjord.Core.Storage;
using Npgsql;

namespace Fjord.Backends.Tests;

/// <summary>Bulk dead letters on PostgreSQL past one chunk (1000 jobs per statement).</summary>
public sealed class PostgresDeadLetterTests
{
    private static async Task SeedDeadLettersAsync(RabbitPostgresBackend b, string function, string kind, int count)
    {
        await using var connection = new NpgsqlConnection(b.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("""
            INSERT INTO jobs (id, function, status, attempt, max_attempts, created_at, run_at, finished_at, error_kind, error_message, payload)
            SELECT md5($1 || $2 || g::text), $1, 4, 1, 1, fjord_now_ms(), fjord_now_ms(), fjord_now_ms(), $2, 'seeded', '\x00'::bytea
            FROM generate_series(1, $3) g
            """, connection);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = function });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = kind });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = count });
        await command.ExecuteNonQueryAsync();
    }

    [Fact]
    public async Task RetryAndPurge_MoreThanOneChunk_MoveEveryMatchingJob()
    {
        await using var b = await RabbitPostgresBackend.CreateAsync();
        var fn = Jobs.NewFunction();
        await SeedDeadLettersAsync(b, fn, "exit", 2_100);
        await SeedDeadLettersAsync(b, fn, "timeout", 1_500);

        Assert.Equal(2_100, await b.DeadLetters.RetryDeadLettersAsync(new DeadLetterFilter(fn, ErrorKind.Exit), default));
        Assert.Equal(1_500, await b.DeadLetters.PurgeDeadLettersAsync(new DeadLetterFilter(fn), default));

        Assert.Empty((await b.Jobs.ListJobsAsync(new JobQuery(fn, JobStatus.Failed), default)).Items);
        var queues = Assert.Single(await b.Monitor.GetQueuesAsync(default), q => q.Name == fn);
        Assert.Equal(2_100, queues.Ready);
    }
}
