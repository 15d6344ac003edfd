using Fjord.Core.Functions;

namespace Fjord.Core.Tests.Functions;

public sealed class FunctionSpecTests
{
    [Fact]
    public void Parse_AppliesContractDefaults_ForPython()
    {
        var errors = new List<string>();
        var spec = FunctionSpec.Parse("hello", new FunctionDocument { Runtime = "python", Handler = "handler.py" }, errors);

        Assert.Empty(errors);
        Assert.NotNull(spec);
        Assert.Equal(RunMode.Warm, spec.Mode);
        Assert.Equal(1, spec.Concurrency);
        Assert.Equal(TimeSpan.FromSeconds(60), spec.Timeout);
        Assert.Equal(256L * 1024 * 1024, spec.MemoryBytes);
        Assert.Equal(5, spec.MaxAttempts);
        Assert.Equal(Backoff.Default, spec.Backoff);
        Assert.False(spec.Network);
    }

    [Fact]
    public void Parse_DefaultsExecToFork()
    {
        var spec = FunctionSpec.Parse("wc", new FunctionDocument { Runtime = "exec", Command = ["wc", "-w"] }, []);
        Assert.Equal(RunMode.Fork, spec!.Mode);
    }

    [Theory]
    [InlineData("../etc")]
    [InlineData("Hello")]
    [InlineData("a/b")]
    [InlineData("-lead")]
    [InlineData("")]
    [InlineData("%2e%2e")]
    public void IsValidName_RejectsPathTricksAndUpperCase(string name) => Assert.False(FunctionSpec.IsValidName(name));

    [Fact]
    public void Parse_ListsEveryError()
    {
        var errors = new List<string>();
        var doc = new FunctionDocument
        {
            Runtime = "cobol",
            Timeout = "soon",
            Memory = "1MB",
            Concurrency = 0,
            MaxAttempts = 0,
            Backoff = new BackoffDocument { Initial = "10s", Max = "1s" },
        };

        Assert.Null(FunctionSpec.Parse("Bad Name", doc, errors));
        Assert.Contains(errors, e => e.Contains("name", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("runtime", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("timeout", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("memory", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("concurrency", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("maxAttempts", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("backoff.max", StringComparison.Ordinal));
    }

    [Fact]
    public void Parse_RejectsHandlerOutsideTheFolder()
    {
        var errors = new List<string>();
        Assert.Null(FunctionSpec.Parse("x", new FunctionDocument { Runtime = "python", Handler = "../../secret.py" }, errors));
        Assert.Contains(errors, e => e.Contains("handler", StringComparison.Ordinal));
    }

    [Fact]
    public void Parse_RejectsExecWithoutCommand_AndWarmExec()
    {
        var errors = new List<string>();
        Assert.Null(FunctionSpec.Parse("x", new FunctionDocument { Runtime = "exec", Mode = "warm" }, errors));
        Assert.Equal(2, errors.Count);
    }

    [Fact]
    public void ToDocument_RoundTripsThroughParse()
    {
        var original = FunctionSpec.Parse("thumb", new FunctionDocument
        {
            Runtime = "exec",
            Command = ["./run.sh"],
            Concurrency = 3,
            Timeout = "30s",
            Memory = "64Mi",
            MaxAttempts = 2,
            Backoff = new BackoffDocument { Initial = "2s", Max = "1m" },
            Env = new() { ["SIZE"] = "10" },
            MaxAge = "6h",
            Bundle = new string('a', 64),
        }, [])!;

        var again = FunctionSpec.Parse("thumb", original.ToDocument(), [])!;

        Assert.Equal(original.ToDocument().Timeout, again.ToDocument().Timeout);
        Assert.Equal(original.Concurrency, again.Concurrency);
        Assert.Equal(original.MemoryBytes, again.MemoryBytes);
        Assert.Equal(original.Backoff, again.Backoff);
        Assert.Equal(original.MaxAge, again.MaxAge);
        Assert.Equal(original.Bundle, again.Bundle);
        Assert.Equal("10", again.Env["SIZE"]);
        Assert.Equal(original.Command, again.Command);
    }

    [Fact]
    public void Parse_RejectsReservedEnvKeys()
    {
        var errors = new List<string>();
        Assert.Null(FunctionSpec.Parse("x", new FunctionDocument { Runtime = "exec", Command = ["true"], Env = new() { ["FJORD_JOB_ID"] = "forged" } }, errors));
        Assert.Single(errors);
    }

    [Fact]
    public void Cpu_IsCoresPerProcess_RoundTrips_AndIsValidated()
    {
        var errors = new List<string>();
        var half = FunctionSpec.Parse("x", new FunctionDocument { Runtime = "exec", Command = ["true"], Cpu = 0.5 }, errors)!;
        var none = FunctionSpec.Parse("x", new FunctionDocument { Runtime = "exec", Command = ["true"] }, errors)!;

        Assert.Equal(0.5, half.CpuCores);
        Assert.Equal(0.5, FunctionSpec.Parse("x", half.ToDocument(), errors)!.CpuCores);
        Assert.Null(none.CpuCores);
        Assert.Empty(errors);
        foreach (var bad in new[] { 0, -1, 0.001, 5000, double.NaN })
        {
            var refused = new List<string>();
            Assert.Null(FunctionSpec.Parse("x", new FunctionDocument { Runtime = "exec", Command = ["true"], Cpu = bad }, refused));
            Assert.Contains(refused, e => e.StartsWith("cpu ", StringComparison.Ordinal));
        }
    }

    [Fact]
    public void RuntimeVersion_RoundTrips_ForPhp_AndIsValidated()
    {
        var errors = new List<string>();
        var php = FunctionSpec.Parse("x", new FunctionDocument { Runtime = "php", Handler = "handler.php", RuntimeVersion = "8.2" }, errors)!;

        Assert.Equal(FunctionRuntime.Php, php.Runtime);
        Assert.Equal(RunMode.Warm, php.Mode);
        Assert.Equal("8.2", FunctionSpec.Parse("x", php.ToDocument(), errors)!.RuntimeVersion);
        Assert.Empty(errors);
        foreach (var (runtime, version) in new[] { ("python", "3.x"), ("node", "v20"), ("python", "3.11.2.1"), ("exec", "1") })
        {
            var refused = new List<string>();
            var doc = new FunctionDocument { Runtime = runtime, Handler = runtime == "exec" ? null : "h", Command = runtime == "exec" ? ["true"] : null, RuntimeVersion = version };
            Assert.Null(FunctionSpec.Parse("x", doc, refused));
            Assert.Contains(refused, e => e.Contains("runtimeVersion", StringComparison.Ordinal));
        }
    }
}
