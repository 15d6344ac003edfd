using System.Security.Cryptography;

namespace Fjord.Core.Secrets;

/// <summary>
/// The node key that seals secrets at rest: 32 random bytes. One node keeps it in
/// <c>&lt;data&gt;/secrets.key</c> (0600, beside the store it protects but not inside it); a cluster
/// passes the same key to every node in <c>FJORD_SECRETS_KEY</c> (base64).
/// </summary>
public sealed class SecretKey
{
    public const string EnvironmentVariable = "FJORD_SECRETS_KEY";
    public const string FileName = "secrets.key";
    public const int Length = 32;

    private SecretKey(byte[] bytes) => Bytes = bytes;

    internal byte[] Bytes { get; }

    public static SecretKey Generate() => new(RandomNumberGenerator.GetBytes(Length));

    /// <summary>Parses the base64 text of a key.</summary>
    /// <exception cref="FormatException">Not base64 of exactly 32 bytes; the message says how to make one.</exception>
    public static SecretKey Parse(string text, string source)
    {
        ArgumentNullException.ThrowIfNull(text);
        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(text.Trim());
        }
        catch (FormatException)
        {
            bytes = [];
        }
        if (bytes.Length != Length)
            throw new FormatException($"{source} must be the base64 of {Length} random bytes (make one with `openssl rand -base64 {Length}`)");
        return new SecretKey(bytes);
    }

    /// <summary>The key in <c>$FJORD_SECRETS_KEY</c>, or null when it is unset or empty.</summary>
    public static SecretKey? FromEnvironment(string? value) =>
        string.IsNullOrWhiteSpace(value) ? null : Parse(value, EnvironmentVariable);

    /// <summary>Reads the key file, or creates it (0600) with a new random key when there is none.</summary>
    public static SecretKey LoadOrCreate(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (File.Exists(path))
        {
            // A key file an older Fjord (or a copy) left looser is closed, like admin.key.
            Storage.PrivateFiles.RestrictFile(path);
            return Parse(File.ReadAllText(path), path);
        }
        var key = Generate();
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        try
        {
            using var stream = new FileStream(path, options);
            stream.Write(System.Text.Encoding.ASCII.GetBytes(key.ToBase64() + "\n"));
            // Sealed secrets that outlive their key (a power cut before this reached the disk) are lost.
            stream.Flush(flushToDisk: true);
        }
        catch (IOException) when (File.Exists(path))
        {
            // Another start created it first: that one is the key.
            return Parse(File.ReadAllText(path), path);
        }
        Storage.PrivateFiles.RestrictFile(path);
        return key;
    }

    public string ToBase64() => Convert.ToBase64String(Bytes);

    public override string ToString() => "secrets key";
}
