namespace Fjord.Cli.Client;

/// <summary>Where the gateway is and which key to show it, with where that key came from (for error messages).</summary>
internal sealed record ClientSettings(Uri Url, string? Key, string KeySource)
{
    /// <summary>The <see cref="KeySource"/> of a key from the environment (otherwise it is the key file's path).</summary>
    public const string EnvironmentSource = "$FJORD_KEY";

    /// <summary>
    /// $FJORD_URL (default http://127.0.0.1:8080); the key from $FJORD_KEY, else from
    /// &lt;data&gt;/admin.key with data = $FJORD_DATA or ./.fjord, the folder `fjord up` uses by
    /// default: on the machine running `fjord up` every client command then just works.
    /// </summary>
    public static ClientSettings Resolve(CliConsole console)
    {
        var urlText = NonEmpty(console.GetEnvironment("FJORD_URL")) ?? Defaults.Url;
        if (!Uri.TryCreate(urlText, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
            throw CliException.Usage($"$FJORD_URL '{urlText}' is not an http:// or https:// URL");

        if (NonEmpty(console.GetEnvironment("FJORD_KEY")) is { } key)
            return new ClientSettings(url, key.Trim(), EnvironmentSource);

        var dataDir = console.ResolvePath(NonEmpty(console.GetEnvironment("FJORD_DATA")) ?? Defaults.DataDir);
        var keyFile = Credentials.KeyFilePath(dataDir);
        return new ClientSettings(url, Credentials.ReadKeyFile(dataDir), keyFile);
    }

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
