using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;
using Fjord.Core.Jobs;

namespace Fjord.Core.Tests.Jobs;

/// <summary>
/// The SQL spelling of the job table: every constant of <see cref="JobSql"/> is what
/// <see cref="JobTransitions"/> says, and no backend writes a status number of its own.
/// </summary>
public sealed partial class JobSqlTests
{
    private static string Spell(IEnumerable<JobStatus> statuses) =>
        string.Join(", ", statuses.Select(s => ((int)s).ToString(CultureInfo.InvariantCulture)));

    [Fact]
    public void StatusConstants_AreTheStoredNumbers()
    {
        foreach (var status in Enum.GetValues<JobStatus>())
            Assert.Equal(Spell([status]), Constant(typeof(JobSql), status.ToString()));
        Assert.Equal(JobSql.Waiting, Spell(JobTransitions.Claim.From));
        Assert.Equal(JobSql.Ended, Spell(JobTransitions.Purge.From));
        var lowest = int.Parse(JobSql.LowestEnded, CultureInfo.InvariantCulture);
        Assert.All(Enum.GetValues<JobStatus>(), s => Assert.Equal(s.IsTerminal(), (int)s >= lowest));
    }

    [Fact]
    public void EveryTransition_IsSpelled_AsTheTableSaysIt()
    {
        var spelled = typeof(JobSql).GetNestedTypes().ToDictionary(t => t.Name);
        foreach (var field in typeof(JobTransitions).GetFields(BindingFlags.Public | BindingFlags.Static).Where(f => f.FieldType == typeof(JobTransition)))
        {
            var transition = (JobTransition)field.GetValue(null)!;
            Assert.True(spelled.Remove(field.Name, out var sql), $"JobSql has no {field.Name}");
            Assert.Equal(transition.From.Count == 0 ? null : Spell(transition.From), Constant(sql!, "From"));
            Assert.Equal(transition.To is { } to ? Spell([to]) : null, Constant(sql!, "To"));
        }
        Assert.Empty(spelled.Keys);
    }

    private static string? Constant(Type type, string name) =>
        type.GetField(name, BindingFlags.Public | BindingFlags.Static) is { IsLiteral: true } field ? (string?)field.GetRawConstantValue() : null;

    // A status compared with or set to a number, a list of numbers, or a CASE picking between two
    // numbers (how a take-back chooses between waiting and dead): the ways SQL spells a status.
    [GeneratedRegex(@"\bstatus\s*(\+\s*0\s*)?(=|==|<>|!=|>=|<=|>|<)\s*\d|\bstatus\s*(\+\s*0\s*)?(NOT\s+)?IN\s*\(\s*\d|\bTHEN\s+\d+\s+ELSE\s+\d+\s+END\b", RegexOptions.IgnoreCase)]
    private static partial Regex StatusLiteral();

    // DDL of partial indexes an existing store already holds: its text must stay as it was, so it
    // keeps its numbers; they must still be one of the table's spellings.
    [GeneratedRegex(@"^\s*(\d+\s*=>\s*"")?CREATE\s+(UNIQUE\s+)?INDEX\b.*\bWHERE\s+(?<predicate>status\s.*?);", RegexOptions.IgnoreCase)]
    private static partial Regex IndexDdl();

    private static readonly string[] TablePredicates =
    [
        $"status IN ({JobSql.Waiting})", $"status = {JobSql.Running}", $"status = {JobSql.Failed}",
        $"status >= {JobSql.LowestEnded}",
    ];

    [Theory]
    [InlineData("WHERE function = $function AND status IN (0, 1) AND run_at <= $now", true)]
    [InlineData("UPDATE jobs SET status = 2, attempt = $attempt", true)]
    [InlineData("WHERE id = ANY($1::text[]) AND status + 0 IN (0, 1)", true)]
    [InlineData("status = CASE WHEN attempt >= max_attempts THEN 4 ELSE 0 END,", true)]
    [InlineData("AND j.status<>3", true)]
    [InlineData("status >= 3 LIMIT $limit)", true)]
    [InlineData("WHERE status = {JobSql.Running} AND lease_expires < $now", false)]
    [InlineData("SELECT t.at, c.status, t.status_code = 200, t.error", false)]
    [InlineData("AND status = $status AND finished_at < $before", false)]
    public void Scanner_SeesAStatusNumber(string line, bool literal) => Assert.Equal(literal, StatusLiteral().IsMatch(line));

    [Fact]
    public void Backends_WriteNoStatusNumber_OutsideTheTable()
    {
        var root = RepositoryRoot();
        var files = Directory.GetDirectories(Path.Combine(root, "src"), "Fjord.Storage.*")
            .SelectMany(d => Directory.EnumerateFiles(d, "*.cs", SearchOption.AllDirectories))
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .ToList();
        Assert.Contains(files, f => f.EndsWith("Claims.cs", StringComparison.Ordinal));
        Assert.Contains(files, f => f.EndsWith("PostgresJobLedger.Leases.cs", StringComparison.Ordinal));

        var found = new List<string>();
        var ddl = 0;
        foreach (var file in files)
        {
            var lines = File.ReadAllLines(file);
            for (var i = 0; i < lines.Length; i++)
            {
                var line = lines[i].Trim();
                if (line.StartsWith("//", StringComparison.Ordinal) || line.StartsWith("--", StringComparison.Ordinal) || !StatusLiteral().IsMatch(line))
                    continue;
                if (IndexDdl().Match(line) is { Success: true } index && TablePredicates.Contains(index.Groups["predicate"].Value))
                {
                    ddl++;
                    continue;
                }
                found.Add($"{Path.GetRelativePath(root, file)}:{i + 1}: {line}");
            }
        }
        Assert.True(found.Count == 0, "status numbers outside the table (use JobSql):\n" + string.Join('\n', found));
        Assert.InRange(ddl, 1, 20);
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Fjord.sln")))
                return dir.FullName;
        }
        throw new InvalidOperationException("no Fjord.sln above " + AppContext.BaseDirectory);
    }
}
