namespace Fjord.EndToEnd.Tests;

/// <summary>A `fjord up` with one trivial function, for tests that deploy their own projects to it with the CLI.</summary>
internal static class BareNode
{
    public static async Task<FjordNode> StartAsync(TempDir dir, IReadOnlyList<string>? arguments = null)
    {
        var project = dir.Combine("bare.yml");
        await File.WriteAllTextAsync(project, "functions:\n  noop:\n    runtime: exec\n    command: [/bin/cat]\n");
        return await FjordNode.StartAsync(dir.Combine("data"), project, arguments: arguments);
    }
}
