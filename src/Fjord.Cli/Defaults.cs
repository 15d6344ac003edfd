namespace Fjord.Cli;

/// <summary>Defaults shared by the client commands and `fjord up`, so both find the same node.</summary>
internal static class Defaults
{
    /// <summary>
    /// The data folder of `fjord up` when --data is left out, relative to the current folder. The
    /// client commands read <c>&lt;data&gt;/admin.key</c> from the same place, which is what lets
    /// `fjord invoke` work without any setup next to a running `fjord up`.
    /// </summary>
    public const string DataDir = ".fjord";

    public const string AdminKeyFile = "admin.key";

    public const int Port = 8080;

    public const string Url = "http://127.0.0.1:8080";

    public const string ProjectFile = "fjord.yml";
}
