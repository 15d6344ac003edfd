using Fjord.Core.Jobs;

namespace Fjord.Cli.Up;

/// <summary>Worker nodes name themselves: host name plus a short unique suffix (CONTRACT §1).</summary>
internal static class NodeName
{
    public static string Default()
    {
        var host = Environment.MachineName.ToLowerInvariant();
        return $"{host}-{JobId.NewToken()[..6]}";
    }
}
