using Fjord.Core.Functions;

namespace Fjord.Core.Tests.Functions;

public sealed class QuantityTests
{
    [Theory]
    [InlineData("30s", 30_000)]
    [InlineData("5m", 300_000)]
    [InlineData("6h", 21_600_000)]
    [InlineData("100ms", 100)]
    [InlineData("1.5s", 1_500)]
    [InlineData("2d", 172_800_000)]
    [InlineData("45", 45_000)]
    public void TryParseDuration_ReadsUnits(string text, long expectedMs)
    {
        Assert.True(Quantity.TryParseDuration(text, out var value));
        Assert.Equal(expectedMs, (long)value.TotalMilliseconds);
    }

    [Theory]
    [InlineData("")]
    [InlineData("s")]
    [InlineData("10 parsecs")]
    [InlineData("-5s")]
    [InlineData("99999d")]
    public void TryParseDuration_RejectsNonsense(string text) => Assert.False(Quantity.TryParseDuration(text, out _));

    [Theory]
    [InlineData("64Mi", 64L * 1024 * 1024)]
    [InlineData("1Gi", 1024L * 1024 * 1024)]
    [InlineData("512M", 512_000_000)]
    [InlineData("4096", 4096)]
    public void TryParseBytes_ReadsUnits(string text, long expected)
    {
        Assert.True(Quantity.TryParseBytes(text, out var value));
        Assert.Equal(expected, value);
    }

    [Theory]
    [InlineData("64MB")]
    [InlineData("lots")]
    [InlineData("99999999999999999999Gi")]
    public void TryParseBytes_RejectsNonsense(string text) => Assert.False(Quantity.TryParseBytes(text, out _));

    [Theory]
    [InlineData("30s")]
    [InlineData("5m")]
    [InlineData("6h")]
    [InlineData("250ms")]
    public void FormatDuration_RoundTrips(string text)
    {
        Assert.True(Quantity.TryParseDuration(text, out var value));
        Assert.Equal(text, Quantity.FormatDuration(value));
    }

    [Fact]
    public void FormatBytes_UsesBinaryUnits() => Assert.Equal("256Mi", Quantity.FormatBytes(256L * 1024 * 1024));
}
