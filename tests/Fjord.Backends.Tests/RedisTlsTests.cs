using Fjord.Core.Jobs;
using Fjord.Core.Queue;
using Fjord.Storage.Redis;
using Fjord.Tests.Shared;

namespace Fjord.Backends.Tests;

/// <summary>
/// rediss:// to the private Redis's TLS port (scripts/services.sh), verified against the CA that
/// signed its certificate (what FJORD_REDIS_CA gives a node): a job makes the whole trip. Under a
/// CA this test makes, the store refuses to open with one line.
/// </summary>
public sealed class RedisTlsTests
{
    [Fact]
    public async Task Store_OverVerifiedRediss_RunsAJob()
    {
        await using var store = await OpenAsync(Services.TlsCa);
        var fn = Jobs.NewFunction();
        var job = Jobs.New(fn, "over tls");
        await store.EnqueueAsync([job], default);
        await using (var lease = await store.FetchAsync(fn))
            Assert.True(await lease.AckAsync(Jobs.Ok(), default));
        Assert.Equal(JobStatus.Succeeded, (await store.GetJobAsync(job.Id, default))!.Status);
    }

    [Fact]
    public async Task Store_UnderACaTheTestMade_IsRefusedWithOneLine()
    {
        var folder = Directory.CreateTempSubdirectory("fjord-redis-tls-").FullName;
        try
        {
            var otherCa = await TlsTests.ForeignCaAsync(folder);
            var refused = await Assert.ThrowsAsync<StoreUnavailableException>(async () => await OpenAsync(otherCa));
            Assert.DoesNotContain('\n', refused.Message);
            Assert.Contains("certificate", refused.Message, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain(new Uri(Services.RedisTlsUri).UserInfo.Split(':')[1], refused.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static Task<RedisStore> OpenAsync(string ca) => RedisStore.OpenAsync(new RedisStoreOptions
    {
        ConnectionString = Services.RedisTlsUri,
        Prefix = $"fjord:tls{Guid.NewGuid():N}:",
        TlsCaFile = ca,
    }, CancellationToken.None);
}
