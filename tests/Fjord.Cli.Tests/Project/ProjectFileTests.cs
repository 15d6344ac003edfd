using Fjord.Cli.Project;
using Fjord.Cli.Tests.Support;
using Fjord.Core.Functions;

namespace Fjord.Cli.Tests.Project;

public sealed class ProjectFileTests : IDisposable
{
    private readonly TempFolder temp = new();

    public void Dispose() => temp.Dispose();

    [Fact]
    public void Load_ResolvesPathRelativeToTheYml_WhenPathIsGiven()
    {
        temp.Write("app/functions/hello/handler.py", "def handle(p, c): return p");
        var yml = temp.Write("app/fjord.yml", """
            functions:
              hello:
                runtime: python
                path: functions/hello
                handler: handler.py
            """);

        var project = ProjectFile.Load(yml);

        var hello = Assert.Single(project.Functions);
        Assert.Equal(Path.Combine(temp.Path, "app", "functions", "hello"), hello.Folder);
        Assert.Equal("handler.py", hello.Document.Handler);
        Assert.Null(hello.Document.Path);
    }

    [Fact]
    public void Load_TakesTheHandlersFolder_WhenPathIsMissing()
    {
        temp.Write("functions/hello/handler.py", "def handle(p, c): return p");
        var yml = temp.Write("fjord.yml", """
            functions:
              hello:
                runtime: python
                handler: functions/hello/handler.py
            """);

        var hello = Assert.Single(ProjectFile.Load(yml).Functions);

        Assert.Equal(Path.Combine(temp.Path, "functions", "hello"), hello.Folder);
        Assert.Equal("handler.py", hello.Document.Handler);
        Assert.Equal("handler.py", hello.Spec.Handler);
    }

    [Fact]
    public void Load_GivesNoFolder_ForExecWithoutPath()
    {
        var yml = temp.Write("fjord.yml", """
            functions:
              upper:
                runtime: exec
                command: ["/usr/bin/tr", "a-z", "A-Z"]
            """);

        var upper = Assert.Single(ProjectFile.Load(yml).Functions);

        Assert.Null(upper.Folder);
        Assert.Equal(["/usr/bin/tr", "a-z", "A-Z"], upper.Document.Command);
    }

    [Fact]
    public void Load_AppliesContractDefaults_WhenKeysAreLeftOut()
    {
        temp.Write("h.py", "");
        var yml = temp.Write("fjord.yml", """
            functions:
              py:
                runtime: python
                handler: h.py
              sh:
                runtime: exec
                command: [/bin/cat]
            """);

        var functions = ProjectFile.Load(yml).Functions;

        var py = functions[0].Spec;
        Assert.Equal(RunMode.Warm, py.Mode);
        Assert.Equal(1, py.Concurrency);
        Assert.Equal(TimeSpan.FromSeconds(60), py.Timeout);
        Assert.Equal(256L * 1024 * 1024, py.MemoryBytes);
        Assert.Equal(5, py.MaxAttempts);
        Assert.False(py.Network);
        Assert.Equal(RunMode.Fork, functions[1].Spec.Mode);
    }

    [Fact]
    public void Load_ReadsCamelCaseKeys_InFileOrder()
    {
        temp.Write("z/handler.js", "");
        var yml = temp.Write("fjord.yml", """
            functions:
              zeta:
                runtime: node
                path: z
                handler: handler.js
                mode: fork
                concurrency: 4
                timeout: 30s
                memory: 128Mi
                maxAttempts: 3
                backoff: { initial: 2s, max: 1m }
                network: true
                env: { GREETING: hej, COUNT: 3 }
                maxQueueDepth: 10
                maxAge: 6h
              alpha:
                runtime: exec
                command: [/bin/true]
            """);

        var functions = ProjectFile.Load(yml).Functions;

        Assert.Equal(["zeta", "alpha"], functions.Select(f => f.Name));
        var zeta = functions[0].Spec;
        Assert.Equal(RunMode.Fork, zeta.Mode);
        Assert.Equal(4, zeta.Concurrency);
        Assert.Equal(TimeSpan.FromSeconds(30), zeta.Timeout);
        Assert.Equal(128L * 1024 * 1024, zeta.MemoryBytes);
        Assert.Equal(3, zeta.MaxAttempts);
        Assert.Equal(new Backoff(TimeSpan.FromSeconds(2), TimeSpan.FromMinutes(1)), zeta.Backoff);
        Assert.True(zeta.Network);
        Assert.Equal("hej", zeta.Env["GREETING"]);
        Assert.Equal("3", zeta.Env["COUNT"]);
        Assert.Equal(10, zeta.MaxQueueDepth);
        Assert.Equal(TimeSpan.FromHours(6), zeta.MaxAge);
    }

    [Fact]
    public void Load_NamesKeyAndLine_WhenAKeyIsUnknown()
    {
        var yml = temp.Write("fjord.yml", "functions:\n  hello:\n    runtime: exec\n    comand: [/bin/cat]\n");

        var error = Assert.Throws<CliException>(() => ProjectFile.Load(yml));

        Assert.Equal(ExitCodes.Usage, error.ExitCode);
        Assert.Contains("unknown key 'comand'", error.Message, StringComparison.Ordinal);
        Assert.Contains("fjord.yml:4:", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_Fails_WhenYamlIsMalformed()
    {
        var yml = temp.Write("fjord.yml", "functions:\n  hello:\n    runtime: [exec\n");

        var error = Assert.Throws<CliException>(() => ProjectFile.Load(yml));

        Assert.Equal(ExitCodes.Usage, error.ExitCode);
        Assert.Contains("fjord.yml:", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_Fails_WhenAValueHasTheWrongType()
    {
        var yml = temp.Write("fjord.yml", "functions:\n  hello:\n    runtime: exec\n    command: [/bin/cat]\n    maxAttempts: many\n");

        var error = Assert.Throws<CliException>(() => ProjectFile.Load(yml));

        Assert.Equal(ExitCodes.Usage, error.ExitCode);
        Assert.Contains("fjord.yml:5:", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_ReadsElasticPools_AndNamesABadConcurrency()
    {
        var yml = temp.Write("fjord.yml", "functions:\n  hello:\n    runtime: exec\n    command: [/bin/cat]\n    concurrency: { min: 0, max: 16 }\n    idleTimeout: 5m\n    targetWait: 1s\n");
        var hello = Assert.Single(ProjectFile.Load(yml).Functions);
        Assert.True(hello.Spec.Elastic);
        Assert.Equal((0, 16), (hello.Spec.MinConcurrency, hello.Spec.Concurrency));
        Assert.Equal(TimeSpan.FromMinutes(5), hello.Spec.IdleTimeout);

        var bad = temp.Write("bad.yml", "functions:\n  hello:\n    runtime: exec\n    command: [/bin/cat]\n    concurrency: many\n");
        var error = Assert.Throws<CliException>(() => ProjectFile.Load(bad));
        Assert.Equal(ExitCodes.Usage, error.ExitCode);
        Assert.Contains("concurrency 'many'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_ReadsRetentionShorthand_ForEveryEndedState_AndTheMappingForm()
    {
        var yml = temp.Write("fjord.yml", "functions:\n  short:\n    runtime: exec\n    command: [/bin/cat]\n    retention: 1m\n  long:\n    runtime: exec\n    command: [/bin/cat]\n    retention: { failed: 30d }\n");
        var functions = ProjectFile.Load(yml).Functions;
        Assert.Equal(new Retention(TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1)), functions.Single(f => f.Name == "short").Spec.Retention);
        Assert.Equal(new Retention(Failed: TimeSpan.FromDays(30)), functions.Single(f => f.Name == "long").Spec.Retention);

        var bad = temp.Write("bad.yml", "functions:\n  hello:\n    runtime: exec\n    command: [/bin/cat]\n    retention: { kept: 7d }\n");
        var error = Assert.Throws<CliException>(() => ProjectFile.Load(bad));
        Assert.Equal(ExitCodes.Usage, error.ExitCode);
        Assert.Contains("fjord.yml:5:", error.Message.Replace("bad.yml", "fjord.yml", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.Contains("unknown key 'kept' in retention", error.Message, StringComparison.Ordinal);
        var never = temp.Write("never.yml", "functions:\n  hello:\n    runtime: exec\n    command: [/bin/cat]\n    retention: never\n");
        Assert.Contains("retention.succeeded 'never' is not a duration", Assert.Throws<CliException>(() => ProjectFile.Load(never)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_ListsEverySpecError_WithTheFunctionName()
    {
        var yml = temp.Write("fjord.yml", """
            functions:
              good:
                runtime: exec
                command: [/bin/cat]
              bad:
                runtime: cobol
                timeout: soon
            """);

        var error = Assert.Throws<CliException>(() => ProjectFile.Load(yml));

        Assert.Equal(ExitCodes.Usage, error.ExitCode);
        Assert.Contains("function 'bad': runtime 'cobol'", error.Message, StringComparison.Ordinal);
        Assert.Contains("function 'bad': timeout 'soon'", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("'good'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_Fails_WhenTheHandlerFileIsMissing()
    {
        Directory.CreateDirectory(Path.Combine(temp.Path, "fn"));
        var yml = temp.Write("fjord.yml", "functions:\n  hello:\n    runtime: python\n    path: fn\n    handler: handler.py\n");

        var error = Assert.Throws<CliException>(() => ProjectFile.Load(yml));

        Assert.Contains("handler 'handler.py' not found", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_Fails_WhenThePathIsNotAFolder()
    {
        var yml = temp.Write("fjord.yml", "functions:\n  hello:\n    runtime: exec\n    path: nowhere\n    command: [./run.sh]\n");

        var error = Assert.Throws<CliException>(() => ProjectFile.Load(yml));

        Assert.Contains("does not exist", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("other: 1\n")]
    public void Load_Fails_WithoutAFunctionsSection(string text)
    {
        var yml = temp.Write("fjord.yml", text);

        var error = Assert.Throws<CliException>(() => ProjectFile.Load(yml));

        Assert.Equal(ExitCodes.Usage, error.ExitCode);
    }

    [Fact]
    public void Load_Fails_WhenTheFileIsMissing()
    {
        var error = Assert.Throws<CliException>(() => ProjectFile.Load(Path.Combine(temp.Path, "fjord.yml")));

        Assert.Equal(ExitCodes.Usage, error.ExitCode);
        Assert.Contains("cannot read", error.Message, StringComparison.Ordinal);
    }
}
