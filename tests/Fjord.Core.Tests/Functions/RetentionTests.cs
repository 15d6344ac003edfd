using System.Text.Json;
using Fjord.Core.Functions;

namespace Fjord.Core.Tests.Functions;

public sealed class RetentionTests
{
    [Fact]
    public void Spec_KeepsOnlyTheStatesItNames_AndTheNodeDefaultFillsTheRest()
    {
        var errors = new List<string>();
        var spec = FunctionSpec.Parse("f", new FunctionDocument { Runtime = "exec", Command = ["/bin/true"], Retention = new RetentionDocument { Failed = "90d" } }, errors);

        Assert.Empty(errors);
        Assert.Equal(new Retention(Failed: TimeSpan.FromDays(90)), spec!.Retention);
        Assert.Equal(new Retention(TimeSpan.FromDays(7), TimeSpan.FromDays(90), TimeSpan.FromDays(7)), spec.Retention!.Over(Retention.NodeDefault));
        Assert.Equal("90d", spec.ToDocument().Retention!.Failed);
        Assert.Null(spec.ToDocument().Retention!.Succeeded);
    }

    [Theory]
    [InlineData("succeeded=1h,canceled=2d", "1h", null, "2d")]
    [InlineData("failed=30d", null, "30d", null)]
    public void NodeFlag_ParsesAnySubset(string flag, string? succeeded, string? failed, string? canceled)
    {
        var errors = new List<string>();
        var parsed = Retention.ParseFlag(flag, errors);

        Assert.Empty(errors);
        Assert.Equal(succeeded, parsed!.ToDocument().Succeeded);
        Assert.Equal(failed, parsed.ToDocument().Failed);
        Assert.Equal(canceled, parsed.ToDocument().Canceled);
    }

    [Theory]
    [InlineData("kept=7d", "'kept=7d'")]
    [InlineData("failed=soon", "retention.failed")]
    [InlineData("succeeded=0s", "retention.succeeded")]
    [InlineData("canceled=40000d", "retention.canceled")]
    public void NodeFlag_RefusesWhatIsNotARetention_NamingIt(string flag, string named)
    {
        var errors = new List<string>();
        Retention.ParseFlag(flag, errors);

        Assert.Contains(errors, e => e.Contains(named, StringComparison.Ordinal));
    }

    [Fact]
    public void Shorthand_OneDurationForEveryEndedState_InTheFlagAndInJson()
    {
        var errors = new List<string>();
        var all = new Retention(TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));

        Assert.Equal(all, Retention.ParseFlag("1m", errors));
        var doc = JsonSerializer.Deserialize<FunctionDocument>("""{"runtime":"exec","command":["/bin/true"],"retention":"1m"}""", Web)!;
        Assert.Equal(all, FunctionSpec.Parse("f", doc, errors)!.Retention);
        var mapped = JsonSerializer.Deserialize<FunctionDocument>("""{"runtime":"exec","command":["/bin/true"],"retention":{"failed":"30d"}}""", Web)!;
        Assert.Equal(new Retention(Failed: TimeSpan.FromDays(30)), FunctionSpec.Parse("f", mapped, errors)!.Retention);
        Assert.Empty(errors);
        // Written back in the object form, which every earlier reader understands.
        Assert.Equal("""{"succeeded":"1m","failed":"1m","canceled":"1m"}""", JsonSerializer.Serialize(RetentionDocument.ForAll("1m"), Web));
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<RetentionDocument>("""{"kept":"7d"}""", Web));
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<RetentionDocument>("7", Web));
    }

    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);
}
