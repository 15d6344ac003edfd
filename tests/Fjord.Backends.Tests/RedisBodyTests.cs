using System.Text;
using Fjord.Core.Jobs;
using Fjord.Core.Queue;
using Fjord.Core.Storage;

namespace Fjord.Backends.Tests;

/// <summary>
/// What Redis keeps of payloads, results and bundles, read straight from the private server:
/// large bodies compressed (fewer bytes by MEMORY USAGE) and given back byte-exact, bodies over
/// the cap refused with nothing stored, bundles in chunks no larger than 4 MiB.
/// </summary>
public sealed class RedisBodyTests
{
    /// <summary>A JSON-like text of <paramref name="bytes"/> bytes: compressible, as most payloads are, but not trivially.</summary>
    private static byte[] Compressible(int bytes)
    {
        var text = new StringBuilder(bytes + 100);
        var random = new Random(17);
        while (text.Length < bytes)
            text.Append("{\"order\":").Append(random.Next(1_000_000)).Append(",\"sku\":\"SKU-").Append(random.Next(500)).Append("\",\"qty\":").Append(random.Next(1, 9)).Append("},");
        return Encoding.UTF8.GetBytes(text.ToString(0, bytes));
    }

    private static byte[] Random(int bytes)
    {
        var data = new byte[bytes];
        new Random(23).NextBytes(data);
        return data;
    }

    private static async Task<long> MemoryUsageAsync(RedisBackend b, string key) =>
        (long)await RedisBackend.AdminDb.ExecuteAsync("MEMORY", "USAGE", b.Prefix + key);

    [Fact]
    public async Task LargeCompressiblePayloadAndResult_RoundTripByteExact_AndTakeFewerBytesInRedis()
    {
        await using var b = await RedisBackend.CreateAsync();
        var fn = Jobs.NewFunction();
        var payload = Compressible(2 * 1024 * 1024);
        var job = Jobs.New(fn) with { Payload = payload };
        await b.Queue.EnqueueAsync([job], default);

        var payloadInRedis = await MemoryUsageAsync(b, "p:" + job.Id);
        Assert.True(payloadInRedis < payload.Length / 3, $"the 2 MiB payload takes {payloadInRedis} bytes in Redis");

        var result = Compressible(3 * 1024 * 1024 + 5);
        await using (var lease = await b.Queue.FetchAsync(fn))
        {
            Assert.Equal(payload, lease.Job.Payload);
            Assert.True(await lease.AckAsync(AttemptOutcome.Success(result, "application/json", "log", DateTimeOffset.UtcNow), default));
        }
        var resultInRedis = await MemoryUsageAsync(b, "r:" + job.Id);
        Assert.True(resultInRedis < result.Length / 3, $"the 3 MiB result takes {resultInRedis} bytes in Redis");

        var stored = await b.Jobs.GetResultAsync(job.Id, default);
        Assert.Equal(result, stored!.Body);
        Assert.Equal("application/json", stored.ContentType);
        var record = await b.Jobs.GetJobAsync(job.Id, default);
        Assert.Equal(result.Length, record!.ResultSize);
        var head = await b.Store.GetBodyHeadAsync(job.Id, JobBody.Payload, 100, default);
        Assert.Equal(payload[..100], head!.Head);
        Assert.Equal(payload.Length, head.Size);
        var resultHead = await b.Store.GetBodyHeadAsync(job.Id, JobBody.Result, 64, default);
        Assert.Equal(result[..64], resultHead!.Head);
        Assert.Equal(result.Length, resultHead.Size);
    }

    [Fact]
    public async Task SmallOrIncompressibleBodies_AreKeptAsTheyCame_AndOneThatLooksLikeTheHeaderStillRoundTrips()
    {
        await using var b = await RedisBackend.CreateAsync();
        var fn = Jobs.NewFunction();
        var small = Jobs.New(fn, "{\"small\":true}");
        var noise = Jobs.New(fn) with { Payload = Random(200 * 1024) };
        // Begins with the stored form's magic (NUL F Z 1): kept wrapped, so never mistaken for a header.
        var lookalike = Jobs.New(fn) with { Payload = new byte[] { 0, (byte)'F', (byte)'Z', 1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, 42 } };
        await b.Queue.EnqueueAsync([small, noise, lookalike], default);

        Assert.Equal(small.Payload.Length, (long)await RedisBackend.AdminDb.StringLengthAsync(b.Prefix + "p:" + small.Id));
        Assert.Equal(noise.Payload.Length, (long)await RedisBackend.AdminDb.StringLengthAsync(b.Prefix + "p:" + noise.Id));
        var seen = new Dictionary<string, byte[]>();
        for (var i = 0; i < 3; i++)
        {
            await using var lease = await b.Queue.FetchAsync(fn);
            seen[lease.Job.Id] = lease.Job.Payload;
            Assert.True(await lease.AckAsync(AttemptOutcome.Success(lease.Job.Payload, "application/octet-stream", "", DateTimeOffset.UtcNow), default));
        }
        foreach (var job in new[] { small, noise, lookalike })
        {
            Assert.Equal(job.Payload.ToArray(), seen[job.Id]);
            Assert.Equal(job.Payload.ToArray(), (await b.Jobs.GetResultAsync(job.Id, default))!.Body);
            Assert.Equal(job.Payload.Length, (await b.Jobs.GetJobAsync(job.Id, default))!.ResultSize);
        }
    }

    [Fact]
    public async Task PayloadOverTheCap_IsRefusedWithItsSize_AndNothingOfTheBatchIsStored()
    {
        await using var b = await RedisBackend.CreateAsync(o => o with { MaxBodyBytes = 512 * 1024 });
        var fn = Jobs.NewFunction();
        var fits = Jobs.New(fn) with { Payload = Compressible(1024 * 1024) };
        var over = Jobs.New(fn) with { Payload = Random(600 * 1024) };

        var refused = await Assert.ThrowsAsync<PayloadTooLargeException>(() => b.Queue.EnqueueAsync([fits, over], default));

        Assert.Contains("614400 bytes", refused.Message, StringComparison.Ordinal);
        Assert.Contains("--redis-max-body", refused.Message, StringComparison.Ordinal);
        Assert.Empty(await b.KeysAsync());
        // The compressible megabyte alone fits in 512 KiB compressed.
        await b.Queue.EnqueueAsync([fits], default);
        Assert.NotNull(await b.Jobs.GetJobAsync(fits.Id, default));
    }

    [Fact]
    public async Task ResultOverTheCap_FailsTheJobWithAClearError_AndIsNotStored()
    {
        await using var b = await RedisBackend.CreateAsync(o => o with { MaxBodyBytes = 64 * 1024 });
        var fn = Jobs.NewFunction();
        var job = Jobs.New(fn);
        await b.Queue.EnqueueAsync([job], default);
        await using (var lease = await b.Queue.FetchAsync(fn))
            Assert.True(await lease.AckAsync(AttemptOutcome.Success(Random(300 * 1024), "image/png", "made a picture", DateTimeOffset.UtcNow), default));

        var record = await b.Jobs.GetJobAsync(job.Id, default);
        Assert.Equal(JobStatus.Failed, record!.Status);
        Assert.Equal(ErrorKind.Exit, record.Error!.Kind);
        Assert.Contains("the result is 307200 bytes", record.Error.Message, StringComparison.Ordinal);
        Assert.Contains("--redis-max-body", record.Error.Message, StringComparison.Ordinal);
        Assert.Single(record.Attempts);
        Assert.False(await RedisBackend.AdminDb.KeyExistsAsync(b.Prefix + "r:" + job.Id));
        Assert.Equal("made a picture", await b.Jobs.GetLogAsync(job.Id, default));
    }

    [Fact]
    public async Task Bundle_Of9MiB_IsKeptInChunksOfAtMost4MiB_AndComesBackWhole()
    {
        await using var b = await RedisBackend.CreateAsync();
        var zip = Random(9 * 1024 * 1024 + 3);
        var hash = "h" + Guid.NewGuid().ToString("N");
        await b.Functions.PutBundleAsync(hash, zip, default);
        await b.Functions.PutBundleAsync(hash, zip, default);

        var keys = await b.KeysAsync("bc:" + hash + ":*");
        Assert.Equal(3, keys.Count);
        foreach (var key in keys)
            Assert.True(await RedisBackend.AdminDb.StringLengthAsync(key) <= ImageChunks.ChunkSize);
        Assert.Equal(zip, await b.Functions.GetBundleAsync(hash, default));
        Assert.Null(await b.Functions.GetBundleAsync("h-none", default));

        var empty = "e" + Guid.NewGuid().ToString("N");
        await b.Functions.PutBundleAsync(empty, [], default);
        var none = await b.Functions.GetBundleAsync(empty, default);
        Assert.NotNull(none);
        Assert.Empty(none);
    }
}
