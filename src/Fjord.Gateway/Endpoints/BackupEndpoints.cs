using System.Diagnostics;
using Fjord.Core.Storage;
using Fjord.Gateway.Auth;
using Fjord.Gateway.Problems;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Fjord.Gateway.Endpoints;

/// <summary>
/// <c>POST /v1/backup</c> [admin]: the whole embedded store as one SQLite file, in the response
/// body. The copy is made beside the store (0600, in the data folder, never a path the caller
/// names), streamed, then deleted; `fjord backup FILE` writes it on the caller's side. It holds
/// every payload, result and key hash and the sealed secrets, hence admin only.
/// </summary>
internal sealed class BackupEndpoints(IStoreBackup? store, GatewayOptions options, ILogger<BackupEndpoints> logger)
{
    public const string MediaType = "application/vnd.sqlite3";

    public async Task PostAsync(HttpContext context)
    {
        if (Access.Deny(context, Scope.Admin, null) is { } denied)
        {
            await denied;
            return;
        }
        if (store is null)
        {
            await Problem.WriteAsync(context, ProblemType.NotImplemented,
                "this node's store is PostgreSQL: back it up with pg_dump or continuous archiving (see docs/operations.md)");
            return;
        }
        var ct = context.RequestAborted;
        var folder = options.DataDir ?? Path.GetTempPath();
        var path = Path.Combine(folder, $"backup-{Guid.NewGuid():N}.db.partial");
        var clock = Stopwatch.StartNew();
        try
        {
            await store.BackupAsync(path, ct);
            await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.Asynchronous | FileOptions.SequentialScan);
            context.Response.ContentType = MediaType;
            context.Response.ContentLength = file.Length;
            context.Response.Headers.CacheControl = "no-store";
            await file.CopyToAsync(context.Response.Body, ct);
            GatewayLog.BackupSent(logger, file.Length, clock.ElapsedMilliseconds);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
