using System.Text;
using System.Text.Json;

namespace Fjord.Cli.Commands;

/// <summary>Where `fjord invoke` takes its payload from, curl style.</summary>
internal static class Payloads
{
    /// <summary>
    /// <c>-d TEXT</c> is the payload itself, <c>-d @FILE</c> a file's bytes, <c>-d @-</c> stdin.
    /// Without -d, stdin is read only when it is redirected: a terminal would block waiting for
    /// input the user never meant to give.
    /// </summary>
    public static async Task<byte[]> ReadAsync(CliConsole console, string? data, CancellationToken ct)
    {
        if (data is null)
            return console.OpenStdin is { } stdin ? await ReadAllAsync(stdin(), ct) : [];
        if (data == "@-")
            return console.OpenStdin is { } piped ? await ReadAllAsync(piped(), ct) : throw CliException.Usage("-d @- needs a payload piped into stdin");
        if (data.StartsWith('@'))
        {
            var path = console.ResolvePath(data[1..]);
            try
            {
                return await File.ReadAllBytesAsync(path, ct);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw CliException.Usage($"cannot read payload file '{path}': {e.Message}");
            }
        }
        return Encoding.UTF8.GetBytes(data);
    }

    public static string GuessContentType(byte[] payload)
    {
        if (payload.Length == 0)
            return "application/octet-stream";
        try
        {
            using var _ = JsonDocument.Parse(payload);
            return "application/json";
        }
        catch (JsonException)
        {
            return "application/octet-stream";
        }
    }

    private static async Task<byte[]> ReadAllAsync(Stream stream, CancellationToken ct)
    {
        await using (stream)
        {
            using var buffer = new MemoryStream();
            await stream.CopyToAsync(buffer, ct);
            return buffer.ToArray();
        }
    }
}
