using System.Text.Json;
using Fjord.Core.Functions;

namespace Fjord.Core.Tests.Functions;

/// <summary><c>concurrency: {min, max}</c>, <c>idleTimeout</c>, <c>targetWait</c>: parsed, defaulted, refused by name, and round-tripped through JSON.</summary>
public sealed class ElasticSpecTests
{
    private static FunctionSpec? Parse(string json, List<string> errors)
    {
        var doc = JsonSerializer.Deserialize<FunctionDocument>(json, new JsonSerializerOptions(JsonSerializerDefaults.Web))!;
        return FunctionSpec.Parse("fn", doc, errors);
    }

    [Fact]
    public void MinMax_MakesAnElasticPool_WithDefaults()
    {
        var errors = new List<string>();
        var spec = Parse("""{"runtime":"python","handler":"h.py","concurrency":{"min":0,"max":16}}""", errors);
        Assert.Empty(errors);
        Assert.True(spec!.Elastic);
        Assert.Equal(0, spec.MinConcurrency);
        Assert.Equal(16, spec.Concurrency);
        Assert.Equal(TimeSpan.FromMinutes(5), spec.IdleTimeout);
        Assert.Equal(TimeSpan.FromSeconds(1), spec.TargetWait);
    }

    [Fact]
    public void PlainNumber_IsStillAFixedPool_ThatKeepsAllItsProcesses()
    {
        var spec = Parse("""{"runtime":"python","handler":"h.py","concurrency":4}""", []);
        Assert.False(spec!.Elastic);
        Assert.Equal(4, spec.MinConcurrency);
        Assert.Equal(4, spec.Concurrency);
        Assert.Equal("4", JsonSerializer.Serialize(spec.ToDocument().Concurrency));
    }

    [Theory]
    [InlineData("""{"min":-1,"max":4}""", "concurrency.min")]
    [InlineData("""{"min":5,"max":4}""", "concurrency.min")]
    [InlineData("""{"min":0,"max":0}""", "concurrency.max")]
    [InlineData("""{"min":0}""", "concurrency.max")]
    [InlineData("""{"min":0,"max":2000}""", "concurrency.max")]
    [InlineData("""{"min":0,"max":"x"}""", "concurrency")]
    [InlineData("\"many\"", "concurrency")]
    [InlineData("0", "concurrency")]
    public void BadPools_AreRefused_NamingTheField(string concurrency, string field)
    {
        var errors = new List<string>();
        Assert.Null(Parse($$"""{"runtime":"python","handler":"h.py","concurrency":{{concurrency}}}""", errors));
        Assert.Contains(errors, e => e.StartsWith(field, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("idleTimeout", "soon")]
    [InlineData("idleTimeout", "10ms")]
    [InlineData("targetWait", "-1s")]
    public void BadDurations_AreRefused_NamingTheField(string field, string value)
    {
        var errors = new List<string>();
        Assert.Null(Parse($$"""{"runtime":"python","handler":"h.py","concurrency":{"min":0,"max":2},"{{field}}":"{{value}}"}""", errors));
        Assert.Contains(errors, e => e.StartsWith(field, StringComparison.Ordinal));
    }

    [Fact]
    public void ElasticSpec_RoundTripsThroughItsDocument()
    {
        var spec = Parse("""{"runtime":"python","handler":"h.py","concurrency":{"min":1,"max":8},"idleTimeout":"300ms","targetWait":"2s"}""", [])!;
        var json = JsonSerializer.Serialize(spec.ToDocument(), new JsonSerializerOptions(JsonSerializerDefaults.Web));
        Assert.Contains("\"concurrency\":{\"min\":1,\"max\":8}", json, StringComparison.Ordinal);
        var again = Parse(json, [])!;
        Assert.Equal(json, JsonSerializer.Serialize(again.ToDocument(), new JsonSerializerOptions(JsonSerializerDefaults.Web)));
        Assert.Equal((1, 8, true), (again.MinConcurrency, again.Concurrency, again.Elastic));
        Assert.Equal(TimeSpan.FromMilliseconds(300), again.IdleTimeout);
        Assert.Equal(TimeSpan.FromSeconds(2), again.TargetWait);
    }
}
