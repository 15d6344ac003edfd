using System.Text.Json.Serialization;

namespace Fjord.Gateway.Json;

/// <summary>A stored image as <c>/v1/images</c> shows it: digest, size in bytes, and the functions (the key may see) that use it.</summary>
internal sealed class ImageView
{
    public required string Digest { get; init; }
    public long Size { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public IReadOnlyList<string> Functions { get; init; } = [];
}

internal sealed class ImageList
{
    public required IReadOnlyList<ImageView> Items { get; init; }
}

/// <summary>What <c>POST /v1/images:prune</c> deleted from the store.</summary>
internal sealed class ImagePruneAnswer
{
    public required IReadOnlyList<ImageView> Pruned { get; init; }
    public long FreedBytes { get; init; }
}

/// <summary>The image routes' bodies, beside <see cref="GatewayJsonContext"/> (same options).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ImageView))]
[JsonSerializable(typeof(ImageList))]
[JsonSerializable(typeof(ImagePruneAnswer))]
internal sealed partial class ImageJsonContext : JsonSerializerContext;
