using Fjord.Core.Storage;

namespace Fjord.Cli.Client;

internal sealed partial class FjordClient
{
    /// <summary>
    /// <c>POST /v1/backup</c>, streamed into <paramref name="path"/> (created 0600 before the first
    /// byte: the copy holds every payload). No deadline: a large store takes as long as it takes.
    /// Returns the bytes written.
    /// </summary>
    public async Task<long> BackupAsync(string path, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "v1/backup");
        using var response = await SendAsync(request, timeout: null, ct);
        PrivateFiles.EnsureFile(path);
        await using var file = new FileStream(path, FileMode.Truncate, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous);
        try
        {
            await using var body = await response.Content.ReadAsStreamAsync(ct);
            await body.CopyToAsync(file, ct);
        }
        catch (HttpRequestException e)
        {
            throw new CliException(ExitCodes.Unreachable, $"the connection to the gateway at {Url} broke during the backup: {Reason(e)}", e);
        }
        await file.FlushAsync(ct);
        file.Flush(flushToDisk: true);
        return file.Length;
    }
}
