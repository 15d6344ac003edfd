namespace Fjord.Core.Secrets;

/// <summary>One decrypted secret on its way into a sandbox. Its text form never shows the value.</summary>
public sealed class SecretValue(string name, byte[] value)
{
    public string Name { get; } = name;

    public byte[] Value { get; } = value;

    public override string ToString() => $"secret {Name} ({Value.Length} bytes)";
}

/// <summary>What a runner asks for when it starts a function process that names secrets.</summary>
public interface ISecretReader
{
    /// <summary>The decrypted values, in the order asked.</summary>
    /// <exception cref="SecretUnavailableException">One is missing, or cannot be decrypted with this node's key.</exception>
    Task<IReadOnlyList<SecretValue>> ReadAsync(IReadOnlyList<string> names, CancellationToken cancellationToken);
}

/// <summary>A secret cannot be given to a function: the message says which and why, never its value.</summary>
public sealed class SecretUnavailableException : Exception
{
    public SecretUnavailableException(string message)
        : base(message)
    {
    }

    public SecretUnavailableException(string message, Exception inner)
        : base(message, inner)
    {
    }

    public SecretUnavailableException()
    {
    }
}
