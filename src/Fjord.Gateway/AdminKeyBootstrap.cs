using Fjord.Core.Storage;
using Fjord.Gateway.Auth;

namespace Fjord.Gateway;

/// <summary>
/// The admin key as the composition root should report it. <see cref="Secret"/> is known when it
/// came from the environment or the key file; <see cref="FilePath"/> is the key file, when there is one.
/// </summary>
public sealed record AdminKey(string? Secret, string? FilePath, bool Created);

/// <summary>
/// First start on an empty key store creates the admin key (CONTRACT §1): <c>$FJORD_ADMIN_KEY</c>
/// when set, else a generated one written to <c>&lt;data&gt;/admin.key</c> (0600). There is no default key.
/// The secret is never printed or logged: the startup line names the file (<see cref="StartupLine"/>).
/// </summary>
public static class AdminKeyBootstrap
{
    public const string FileName = "admin.key";

    public static async Task<AdminKey> EnsureAsync(IKeyStore keys, GatewayOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(options);
        var path = options.DataDir is { } dir ? Path.Combine(dir, FileName) : null;
        var fromEnvironment = string.IsNullOrWhiteSpace(options.AdminKeyFromEnvironment) ? null : options.AdminKeyFromEnvironment.Trim();

        if (await keys.AnyKeysAsync(cancellationToken))
        {
            if (fromEnvironment is not null)
                return new AdminKey(fromEnvironment, null, Created: false);
            if (path is null || !File.Exists(path))
                return new AdminKey(null, null, Created: false);
            PrivateFiles.RestrictFile(path);
            return new AdminKey((await File.ReadAllTextAsync(path, cancellationToken)).Trim(), path, Created: false);
        }

        string secret;
        string? filePath = null;
        if (fromEnvironment is not null)
        {
            secret = fromEnvironment;
        }
        else
        {
            if (path is null)
                throw new InvalidOperationException("no admin key: set FJORD_ADMIN_KEY or give the gateway a data folder for admin.key");
            // A key file left by a start that died before the store write is reused, so the
            // secret a user may already have copied stays valid.
            secret = File.Exists(path) ? (await File.ReadAllTextAsync(path, cancellationToken)).Trim() : await WriteNewAsync(path, cancellationToken);
            PrivateFiles.RestrictFile(path);
            filePath = path;
        }

        var key = new ApiKey("admin", "*", ["admin"], DateTimeOffset.UtcNow) { Name = "admin" };
        await keys.AddKeyAsync(key, ApiKeySecrets.Hash(secret), cancellationToken);
        return new AdminKey(secret, filePath, Created: true);
    }

    /// <summary>
    /// What a node prints about its admin key at start: where it is, never what it is (a console
    /// ends up in journald, CI logs and terminal scrollback, all readable by more people than the
    /// 0600 file). Null when there is nothing to say (the key lives only in the store).
    /// </summary>
    public static string? StartupLine(AdminKey key, bool fromEnvironment)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (key.FilePath is { } file)
            return key.Created ? $"admin key written to {file} (mode 0600; not shown here)" : $"admin key: {file}";
        return fromEnvironment ? "admin key: from FJORD_ADMIN_KEY" : null;
    }

    private static async Task<string> WriteNewAsync(string path, CancellationToken cancellationToken)
    {
        var secret = ApiKeySecrets.Generate();
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var fileOptions = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
            fileOptions.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        await using (var stream = new FileStream(path, fileOptions))
        {
            await stream.WriteAsync(System.Text.Encoding.UTF8.GetBytes(secret + "\n"), cancellationToken);
            // The key must survive a power cut exactly like the store row naming its hash.
            stream.Flush(flushToDisk: true);
        }
        return secret;
    }
}
