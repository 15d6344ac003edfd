namespace Fjord.Cli.Roles;

/// <summary>
/// Where `fjord gateway` and `fjord worker` find the broker and store URIs. Both carry a
/// password, and a command line is visible to every local user (`ps`, /proc/*/cmdline), so the
/// environment (<c>FJORD_BROKER</c>, <c>FJORD_STORE</c>, e.g. from a systemd EnvironmentFile) or
/// a file named by <c>FJORD_BROKER_FILE</c> / <c>FJORD_STORE_FILE</c> (e.g. a systemd credential)
/// is the way to pass them; the flags stay for a quick local try and win when given.
/// </summary>
internal static class ConnectionSetting
{
    public static string Resolve(string? flagValue, string flagName, string variable, Func<string, string?> environment) =>
        TryResolve(flagValue, variable, environment) ?? throw CliException.Usage($"{flagName}, ${variable} or ${variable}_FILE is required");

    /// <summary>The flag's value, else the variable's, else the file's; null when none is set.</summary>
    public static string? TryResolve(string? flagValue, string variable, Func<string, string?> environment)
    {
        if (flagValue is { Length: > 0 })
            return flagValue;
        if (environment(variable) is { } value && value.Trim() is { Length: > 0 } fromEnvironment)
            return fromEnvironment;
        var fileVariable = variable + "_FILE";
        if (environment(fileVariable) is { } path && path.Trim() is { Length: > 0 } file)
        {
            string text;
            try
            {
                text = File.ReadAllText(file);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw CliException.Usage($"cannot read ${fileVariable} ({file}): {ex.Message}");
            }
            return text.Trim() is { Length: > 0 } fromFile ? fromFile : throw CliException.Usage($"${fileVariable} ({file}) is empty");
        }
        return null;
    }
}
