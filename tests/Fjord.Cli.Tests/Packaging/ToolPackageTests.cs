using Fjord.Cli.Tests.Support;
using static Fjord.Cli.Tests.Support.Programs;

namespace Fjord.Cli.Tests.Packaging;

/// <summary>
/// The `dotnet tool` package really works: <c>dotnet pack</c> of src/Fjord.Cli (from the build the
/// tests already made, so no second compile), then <c>dotnet tool install --tool-path</c> from that
/// folder alone (a nuget.config that clears every other source: offline, nothing from nuget.org),
/// and the installed <c>fjord --version</c> prints this build's version and commit.
/// </summary>
public sealed class ToolPackageTests
{
    [Fact]
    [Trait("Category", "Packaging")]
    public async Task DotnetTool_PackedAndInstalledFromALocalFolder_PrintsVersionAndCommit()
    {
        using var dir = new TempFolder();
        var feed = Path.Combine(dir.Path, "feed");
        var tools = Path.Combine(dir.Path, "tools");
        var configuration = AppContext.BaseDirectory.Contains("/Debug/", StringComparison.Ordinal) ? "Debug" : "Release";
        // A private package cache: a fjord.0.1.0 cached from an older build must not stand in for this one.
        var environment = new Dictionary<string, string>
        {
            ["NUGET_PACKAGES"] = Path.Combine(dir.Path, "packages"),
            ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
            ["DOTNET_NOLOGO"] = "1",
        };
        var config = dir.Write("nuget.config", $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="local" value="{feed}" />
              </packageSources>
            </configuration>
            """);

        await Succeeds("dotnet", ["pack", Path.Combine(RepoRoot, "src", "Fjord.Cli", "Fjord.Cli.csproj"), "-c", configuration, "--no-build", "-nologo", "-o", feed], environment);
        Assert.Single(Directory.GetFiles(feed, "fjord.*.nupkg"));
        await Succeeds("dotnet", ["tool", "install", "fjord", "--tool-path", tools, "--configfile", config], environment);
        var (code, output, error) = await RunRawAsync(Path.Combine(tools, "fjord"), ["--version"], environment);

        Assert.True(code == 0, error);
        Assert.Equal(BuildInfo.Line + "\n", output);
        Assert.Matches(@"^fjord \d+\.\d+\.\d+ \(commit [0-9a-f]{7,40}\)$", output.TrimEnd());
    }

    private static async Task Succeeds(string program, string[] args, IReadOnlyDictionary<string, string> environment)
    {
        var (code, output, error) = await RunRawAsync(program, args, environment, TimeSpan.FromMinutes(3));
        Assert.True(code == 0, $"{program} {string.Join(' ', args)} failed ({code}): {output}{error}");
    }
}
