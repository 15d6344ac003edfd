using System.Collections.Frozen;
using System.Reflection;
using Microsoft.AspNetCore.Http;

namespace Fjord.Gateway.Dashboard;

/// <summary>
/// Serves the files embedded at build time (ours from Dashboard/assets/src, the libraries npm installed
/// from the lockfile): read once into memory, so every gateway serves them from its binary.
/// </summary>
internal sealed class DashboardAssets
{
    private const string Prefix = "dashboard/";
    private readonly FrozenDictionary<string, (byte[] Bytes, string ContentType)> _files;

    public DashboardAssets()
    {
        var assembly = typeof(DashboardAssets).Assembly;
        var files = new Dictionary<string, (byte[], string)>(StringComparer.Ordinal);
        foreach (var name in assembly.GetManifestResourceNames())
        {
            if (!name.StartsWith(Prefix, StringComparison.Ordinal))
                continue;
            files[name[Prefix.Length..]] = (Read(assembly, name), ContentTypeOf(name));
        }
        _files = files.ToFrozenDictionary(StringComparer.Ordinal);
    }

    public IEnumerable<string> Names => _files.Keys;

    public Task GetAsync(HttpContext context)
    {
        var file = context.Request.RouteValues["file"] as string;
        if (file is null || !_files.TryGetValue(file, out var asset))
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        }
        context.Response.ContentType = asset.ContentType;
        // The files change only with the binary; a day's cache keeps an open dashboard from refetching them.
        context.Response.Headers.CacheControl = "private, max-age=86400";
        context.Response.ContentLength = asset.Bytes.Length;
        return context.Response.Body.WriteAsync(asset.Bytes, context.RequestAborted).AsTask();
    }

    private static byte[] Read(Assembly assembly, string name)
    {
        using var stream = assembly.GetManifestResourceStream(name)!;
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    private static string ContentTypeOf(string name) => Path.GetExtension(name) switch
    {
        ".js" => "text/javascript; charset=utf-8",
        ".css" => "text/css; charset=utf-8",
        ".svg" => "image/svg+xml",
        _ => "application/octet-stream",
    };
}
