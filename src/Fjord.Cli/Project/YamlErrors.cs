using System.Text.RegularExpressions;
using YamlDotNet.Core;

namespace Fjord.Cli.Project;

/// <summary>Turns YamlDotNet's exceptions into a message a user of fjord.yml can act on.</summary>
internal static partial class YamlErrors
{
    [GeneratedRegex(@"^\(Line: \d+, Col: \d+, Idx: \d+\) - \(Line: \d+, Col: \d+, Idx: \d+\): ")]
    private static partial Regex LocationPrefix();

    [GeneratedRegex(@"Property '(?<name>[^']+)' not found on type '[^']+'")]
    private static partial Regex UnknownProperty();

    public static string Describe(YamlException e)
    {
        // The outer message is often a generic "Exception during deserialization"; the cause
        // (a FormatException for `concurrency: many`, say) is the useful part.
        var cause = e.InnerException is { } inner && inner is not YamlException ? inner.Message : LocationPrefix().Replace(e.Message, "");
        var unknown = UnknownProperty().Match(cause);
        if (unknown.Success)
            return $"unknown key '{unknown.Groups["name"].Value}'";
        return cause.TrimEnd('.');
    }
}
