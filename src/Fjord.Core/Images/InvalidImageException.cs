namespace Fjord.Core.Images;

/// <summary>An image archive or layer that is malformed, fails its digest, or asks for something the
/// unpacker refuses (a path outside the layer, a link through a symlink, too many bytes).</summary>
public sealed class InvalidImageException(string message) : Exception(message);
