using Fjord.Core.Storage;
using Fjord.Gateway.Auth;
using Fjord.Gateway.Images;
using Fjord.Gateway.Json;
using Fjord.Gateway.Problems;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Fjord.Gateway.Endpoints;

/// <summary>
/// <c>/v1/images</c>: function images by digest (the sha256 of the archive). `fjord deploy` asks
/// <c>GET /v1/images/{digest}</c> first and uploads with <c>PUT</c> only on 404; the body streams
/// into the store's chunk rows and is verified against the digest as it arrives (400 and nothing
/// stored on a mismatch, 413 over <c>--max-image-size</c>). Uploading needs deploy; deleting and
/// pruning need admin with every namespace, since an image may serve functions of any namespace.
/// </summary>
internal sealed class ImageEndpoints(ImageCatalog catalog)
{
    public async Task ListAsync(HttpContext context)
    {
        if (await ReadyAsync(context, Scope.Read) is not { } images)
            return;
        var grant = Access.Grant(context)!;
        var items = (await images.ListAsync(context.RequestAborted)).Select(u => View(u.Image, u.Functions, grant)).ToList();
        await context.Response.WriteJsonAsync(new ImageList { Items = items }, ImageJsonContext.Default.ImageList, cancellationToken: context.RequestAborted);
    }

    public async Task GetAsync(HttpContext context)
    {
        if (await ReadyAsync(context, Scope.Read) is not { } images || await DigestAsync(context) is not { } digest)
            return;
        if (await images.GetAsync(digest, context.RequestAborted) is not { } image)
        {
            await Problem.WriteAsync(context, ProblemType.UnknownImage, $"there is no image {digest}");
            return;
        }
        await context.Response.WriteJsonAsync(View(image, [], Access.Grant(context)!), ImageJsonContext.Default.ImageView, cancellationToken: context.RequestAborted);
    }

    public async Task PutAsync(HttpContext context)
    {
        var ct = context.RequestAborted;
        if (await ReadyAsync(context, Scope.Deploy) is not { } images || await DigestAsync(context) is not { } digest)
            return;
        var tooLarge = $"the image is larger than this gateway's --max-image-size of {images.MaxImageBytes} bytes";
        if (context.Request.ContentLength > images.MaxImageBytes)
        {
            await Problem.WriteAsync(context, ProblemType.TooLarge, tooLarge);
            return;
        }
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
            limit.MaxRequestBodySize = images.MaxImageBytes;
        StoredImage stored;
        try
        {
            stored = await images.PutAsync(digest, context.Request.Body, ct);
        }
        catch (ImageRefusedException e)
        {
            await Problem.WriteAsync(context, e.TooLarge ? ProblemType.TooLarge : ProblemType.InvalidImage, e.TooLarge ? tooLarge : e.Message);
            return;
        }
        context.Response.StatusCode = StatusCodes.Status201Created;
        context.Response.Headers.Location = "/v1/images/" + digest;
        await context.Response.WriteJsonAsync(View(stored, [], Access.Grant(context)!), ImageJsonContext.Default.ImageView, cancellationToken: ct);
    }

    public async Task DeleteAsync(HttpContext context)
    {
        if (await AdminAsync(context) is not { } images || await DigestAsync(context) is not { } digest)
            return;
        var (deleted, usedBy) = await images.DeleteAsync(digest, context.RequestAborted);
        if (usedBy.Count > 0)
            await Problem.WriteAsync(context, ProblemType.ImageInUse, $"image {digest} is used by {string.Join(", ", usedBy)}; deploy them without it or delete them first");
        else if (!deleted)
            await Problem.WriteAsync(context, ProblemType.UnknownImage, $"there is no image {digest}");
        else
            context.Response.StatusCode = StatusCodes.Status204NoContent;
    }

    public async Task PruneAsync(HttpContext context)
    {
        if (await AdminAsync(context) is not { } images)
            return;
        var pruned = await images.PruneAsync(context.RequestAborted);
        var grant = Access.Grant(context)!;
        var answer = new ImagePruneAnswer { Pruned = [.. pruned.Select(i => View(i, [], grant))], FreedBytes = pruned.Sum(i => i.Size) };
        await context.Response.WriteJsonAsync(answer, ImageJsonContext.Default.ImagePruneAnswer, cancellationToken: context.RequestAborted);
    }

    private static ImageView View(StoredImage image, IReadOnlyList<string> functions, KeyGrant grant) => new()
    {
        Digest = image.Digest,
        Size = image.Size,
        CreatedAt = image.CreatedAt,
        Functions = [.. functions.Where(grant.Covers)],
    };

    private async Task<ImageCatalog?> ReadyAsync(HttpContext context, Scope scope)
    {
        if (Access.Deny(context, scope, null) is { } denied)
        {
            await denied;
            return null;
        }
        if (catalog.Available)
            return catalog;
        await Problem.WriteAsync(context, ProblemType.NotImplemented, "this store keeps no images");
        return null;
    }

    private async Task<ImageCatalog?> AdminAsync(HttpContext context)
    {
        if (Access.DenyUnlessAllNamespaces(context, Scope.Admin) is { } denied)
        {
            await denied;
            return null;
        }
        return await ReadyAsync(context, Scope.Admin);
    }

    private static async Task<string?> DigestAsync(HttpContext context)
    {
        var digest = context.Request.RouteValues["digest"] as string;
        if (ImageChunks.IsDigest(digest))
            return digest;
        await Problem.WriteAsync(context, ProblemType.InvalidName, "an image digest is sha256: and 64 lower-case hex digits");
        return null;
    }
}
