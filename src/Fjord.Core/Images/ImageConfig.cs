namespace Fjord.Core.Images;

/// <summary>The parts of an image's config the runner uses (OCI image spec "config" object).</summary>
public sealed record ImageConfig(
    IReadOnlyList<string> Entrypoint,
    IReadOnlyList<string> Cmd,
    IReadOnlyList<string> Env,
    string? WorkingDir,
    string? User);

/// <summary>One layer of an image: <paramref name="DiffId"/> is the sha256 of its uncompressed tar
/// (the config's rootfs.diff_ids), which names its folder in the layer cache, so an image from
/// <c>docker save</c> and the same image as an OCI layout share cached layers.</summary>
public sealed record ImageLayer(string DiffId, string BlobPath);
