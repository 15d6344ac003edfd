using Fjord.Core.Functions;
using Fjord.Core.Secrets;

namespace Fjord.Core.Tests.Secrets;

public sealed class SecretSpecTests
{
    [Fact]
    public void Secrets_RoundTripThroughTheDocument_InOrder()
    {
        var errors = new List<string>();
        var spec = FunctionSpec.Parse("fn", new FunctionDocument { Runtime = "exec", Command = ["cat"], Secrets = ["db-password", "api_token"] }, errors)!;

        var again = FunctionSpec.Parse("fn", spec.ToDocument(), errors)!;

        Assert.Empty(errors);
        Assert.Equal(["db-password", "api_token"], again.Secrets);
        Assert.Null(FunctionSpec.Parse("fn", new FunctionDocument { Runtime = "exec", Command = ["cat"] }, errors)!.ToDocument().Secrets);
    }

    [Theory]
    [InlineData("..")]
    [InlineData("a/b")]
    [InlineData(".hidden")]
    [InlineData("DB")]
    [InlineData("-lead")]
    [InlineData("trail_")]
    [InlineData("")]
    public void BadNames_AreRefused_AsFileNamesThatCouldEscape(string name)
    {
        var errors = new List<string>();

        Assert.Null(FunctionSpec.Parse("fn", new FunctionDocument { Runtime = "exec", Command = ["cat"], Secrets = [name] }, errors));
        Assert.False(SecretName.IsValid(name));
        Assert.Contains(errors, e => e.Contains($"secret '{name}'", StringComparison.Ordinal));
    }

    [Fact]
    public void ASecretNamedTwice_IsRefused()
    {
        var errors = new List<string>();

        Assert.Null(FunctionSpec.Parse("fn", new FunctionDocument { Runtime = "exec", Command = ["cat"], Secrets = ["a", "a"] }, errors));
        Assert.Contains("secrets must not name a secret twice", errors);
    }

    [Fact]
    public void AKey_IsBase64Of32Bytes_AndNeverShowsItself()
    {
        var key = SecretKey.Generate();

        Assert.Equal(32, Convert.FromBase64String(key.ToBase64()).Length);
        Assert.DoesNotContain(key.ToBase64(), key.ToString(), StringComparison.Ordinal);
        Assert.Equal(key.ToBase64(), SecretKey.Parse(" " + key.ToBase64() + "\n", "test").ToBase64());
        Assert.Throws<FormatException>(() => SecretKey.Parse(Convert.ToBase64String(new byte[16]), "test"));
        Assert.Throws<FormatException>(() => SecretKey.Parse("not base64!", "test"));
        Assert.Null(SecretKey.FromEnvironment("  "));
    }
}
