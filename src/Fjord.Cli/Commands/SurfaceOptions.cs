using System.CommandLine;
using Fjord.Core.Functions;
using Fjord.Gateway.Callbacks;

namespace Fjord.Cli.Commands;

/// <summary>What a node exposes beyond the defaults: where callbacks may go, how big a bundle may unpack.</summary>
internal sealed record SurfaceSettings(CallbackAllowList CallbackAllow, long MaxBundleUnpackedBytes, Retention? Retention = null)
{
    public static SurfaceSettings Default { get; } = new(CallbackAllowList.None, BundleArchive.DefaultMaxUnpackedBytes);

    /// <summary>Largest image archive the gateway accepts (<c>--max-image-size</c>, up and gateway).</summary>
    public long MaxImageBytes { get; init; } = Gateway.Images.ImageCatalog.DefaultMaxImageBytes;
}

/// <summary>The node flags behind <see cref="SurfaceSettings"/>: <c>--callback-allow</c> (up, gateway) and <c>--max-bundle-unpacked</c> (up, gateway, worker).</summary>
internal static class SurfaceOptions
{
    public static Option<string?> CallbackAllow() => new("--callback-allow")
    {
        Description = "Networks and hosts callbacks may reach besides public addresses: CIDRs, addresses, host names, *.suffix (e.g. 10.0.0.0/8,hooks.internal)",
    };

    public static Option<string?> MaxBundleUnpacked() => new("--max-bundle-unpacked")
    {
        Description = $"Most bytes a code bundle may unpack to (default {Quantity.FormatBytes(BundleArchive.DefaultMaxUnpackedBytes)})",
    };

    public static Option<string?> MaxImageSize() => new("--max-image-size")
    {
        Description = $"Largest function image archive `fjord deploy` may upload (default {Quantity.FormatBytes(Gateway.Images.ImageCatalog.DefaultMaxImageBytes)}; 413 beyond)",
    };

    /// <summary>The <c>--max-image-size</c> value, or the default; a bad value is a usage error.</summary>
    public static long ReadMaxImageSize(ParseResult result, Option<string?> option)
    {
        var max = Gateway.Images.ImageCatalog.DefaultMaxImageBytes;
        if (result.GetValue(option) is { } text && (!Quantity.TryParseBytes(text, out max) || max <= 0))
            throw CliException.Usage($"--max-image-size must be a size like 500Mi or 2Gi, not '{text}'");
        return max;
    }

    public static Option<string?> Retention() => new("--retention")
    {
        Description = "How long ended jobs are kept when their function does not say: succeeded=7d,failed=30d,canceled=7d (the defaults; any subset), or one duration for all three",
    };

    /// <summary>The node's retention defaults from <c>--retention</c> over <see cref="Core.Functions.Retention.NodeDefault"/>; a bad value is a usage error.</summary>
    public static Retention ReadRetention(ParseResult result, Option<string?> option)
    {
        if (result.GetValue(option) is not { } text)
            return Core.Functions.Retention.NodeDefault;
        var errors = new List<string>();
        var parsed = Core.Functions.Retention.ParseFlag(text, errors);
        if (errors.Count > 0 || parsed is null)
            throw CliException.Usage("--retention: " + (errors.Count > 0 ? errors[0] : "give succeeded=, failed= or canceled="));
        return parsed.Over(Core.Functions.Retention.NodeDefault);
    }

    /// <summary>Reads the flags; a bad value is a usage error (exit 2) naming the flag.</summary>
    public static SurfaceSettings Read(ParseResult result, Option<string?>? callbackAllow, Option<string?> maxBundleUnpacked)
    {
        var allow = CallbackAllowList.None;
        if (callbackAllow is not null && !CallbackAllowList.TryParse(result.GetValue(callbackAllow), out allow, out var error))
            throw CliException.Usage("--callback-allow: " + error);
        var max = BundleArchive.DefaultMaxUnpackedBytes;
        if (result.GetValue(maxBundleUnpacked) is { } text && (!Quantity.TryParseBytes(text, out max) || max <= 0))
            throw CliException.Usage($"--max-bundle-unpacked must be a size like 512Mi or 2Gi, not '{text}'");
        return new SurfaceSettings(allow, max);
    }
}
