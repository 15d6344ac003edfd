using System.Text;
using System.Text.Json;
using System.Text.Unicode;
using Fjord.Core.Storage;
using static Fjord.Gateway.Dashboard.DashboardHtml;

namespace Fjord.Gateway.Dashboard;

/// <summary>
/// A payload or result shown on the job page. The bytes are untrusted: text is HTML-encoded into
/// a <c>pre</c>, anything that is not clean UTF-8 is shown as hex with its size, and an image is
/// shown only when its first bytes are a raster format (PNG, JPEG, GIF, WebP) whatever the
/// declared content type says: it is then served by <see cref="JobDetailPage.ImageAsync"/> as exactly
/// that type, never as SVG or HTML, so it cannot run script.
/// </summary>
internal static class BodyPreview
{
    /// <summary>How much of a body the page reads for text.</summary>
    public const int TextBytes = 16 * 1024;

    /// <summary>How much of a binary body is shown as hex.</summary>
    private const int HexBytes = 512;

    /// <summary>Larger images are listed with their size, not drawn.</summary>
    public const int MaxImageBytes = 4 * 1024 * 1024;

    /// <summary>The raster type the bytes begin with, or null.</summary>
    public static string? ImageType(ReadOnlySpan<byte> head)
    {
        if (head.StartsWith((ReadOnlySpan<byte>)[0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]))
            return "image/png";
        if (head.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xD8, 0xFF]))
            return "image/jpeg";
        if (head.StartsWith("GIF87a"u8) || head.StartsWith("GIF89a"u8))
            return "image/gif";
        if (head.Length >= 12 && head.StartsWith("RIFF"u8) && head[8..12].SequenceEqual("WEBP"u8))
            return "image/webp";
        return null;
    }

    public static string Html(BodyHead body, string id, string which, string imageUrl)
    {
        var about = $"{JobText.Bytes(body.Size)}{(body.ContentType is { Length: > 0 } ct ? ", " + ct : "")}";
        if (body.Size == 0)
            return $"""<p class="hint" id="{id}-empty">Empty ({H(about)}).</p>""";
        if (ImageType(body.Head) is { } image)
        {
            return body.Size <= MaxImageBytes
                ? $"""<figure id="{id}-image"><img class="preview" src="{H(imageUrl)}" alt="The {H(which)}: a {H(image[6..])} image of {H(JobText.Bytes(body.Size))}"><figcaption class="hint">{H(about)}</figcaption></figure>"""
                : $"""<p class="hint" id="{id}-image">A {H(image[6..])} image of {H(about)}: too large to show here.</p>""";
        }
        if (Text(body) is { } text)
        {
            var cut = body.Whole ? "" : $" · showing the first {H(JobText.Bytes(TextBytes))}";
            return $"""<p class="hint">{H(about)}{cut}</p><pre class="body" id="{id}-text" tabindex="0">{H(text)}</pre>""";
        }
        var shown = (int)Math.Min(HexBytes, body.Head.Length);
        var more = shown < body.Size ? $" · the first {shown} bytes" : "";
        return $"""<p class="hint">Binary, {H(about)}{more}</p><pre class="body hex" id="{id}-hex" tabindex="0">{H(Hex(body.Head.AsSpan(0, shown)))}</pre>""";
    }

    /// <summary>The head as text when it is UTF-8 without control characters (a cut multi-byte character at the end is dropped); JSON is indented.</summary>
    private static string? Text(BodyHead body)
    {
        var bytes = body.Head.AsSpan();
        if (!body.Whole)
        {
            // The cut may fall inside a character: drop up to three trailing bytes to find a boundary.
            var end = bytes.Length;
            while (end > 0 && bytes.Length - end < 3 && !Utf8.IsValid(bytes[..end]))
                end--;
            bytes = bytes[..end];
        }
        if (!Utf8.IsValid(bytes))
            return null;
        var text = Encoding.UTF8.GetString(bytes);
        foreach (var c in text)
        {
            if (char.IsControl(c) && c is not ('\n' or '\r' or '\t'))
                return null;
        }
        return body.Whole && LooksLikeJson(text) ? Indented(text) ?? text : text;
    }

    private static bool LooksLikeJson(string text)
    {
        var t = text.AsSpan().TrimStart();
        return t.Length > 0 && (t[0] == '{' || t[0] == '[');
    }

    private static string? Indented(string text)
    {
        try
        {
            using var doc = JsonDocument.Parse(text);
            using var stream = new MemoryStream();
            using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
                doc.WriteTo(writer);
            return Encoding.UTF8.GetString(stream.ToArray());
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Offset, sixteen bytes in hex, and their printable ASCII.</summary>
    private static string Hex(ReadOnlySpan<byte> bytes)
    {
        var text = new StringBuilder();
        for (var line = 0; line < bytes.Length; line += 16)
        {
            var row = bytes.Slice(line, Math.Min(16, bytes.Length - line));
            text.Append(line.ToString("x8", System.Globalization.CultureInfo.InvariantCulture)).Append("  ");
            for (var i = 0; i < 16; i++)
                text.Append(i < row.Length ? row[i].ToString("x2", System.Globalization.CultureInfo.InvariantCulture) + " " : "   ");
            text.Append(' ');
            foreach (var b in row)
                text.Append(b is >= 0x20 and < 0x7F ? (char)b : '.');
            text.Append('\n');
        }
        return text.ToString();
    }
}
