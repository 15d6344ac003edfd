namespace Fjord.Core.Images;

/// <summary>Bounds on what reading and unpacking one image may cost on disk, whatever its headers claim.</summary>
public sealed record ImageLimits
{
    /// <summary>Bytes of the (decompressed) outer archive spooled to the staging folder.</summary>
    public long MaxArchiveBytes { get; init; } = 2L * 1024 * 1024 * 1024;

    /// <summary>Bytes of regular-file content written when unpacking one layer.</summary>
    public long MaxUnpackedBytes { get; init; } = 4L * 1024 * 1024 * 1024;

    /// <summary>Entries in one layer or archive: bounds inode use by a tar of empty files.</summary>
    public int MaxEntries { get; init; } = 500_000;

    public static ImageLimits Default { get; } = new();
}
