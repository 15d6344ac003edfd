using Fjord.Core.Storage;

namespace Fjord.Storage.Sqlite.Tests;

public sealed class FunctionAndKeyTests
{
    [Fact]
    public async Task PutFunctionAsync_CreatesThenReplaces_KeepingThePausedFlag()
    {
        await using var h = await StoreHarness.OpenAsync();
        Assert.True(await h.Store.PutFunctionAsync(StoreHarness.Spec(maxAge: TimeSpan.FromHours(6)) with { Env = new Dictionary<string, string> { ["A"] = "b" } }, default));
        await h.Store.SetPausedAsync("f", true, default);
        Assert.False(await h.Store.PutFunctionAsync(StoreHarness.Spec(maxQueueDepth: 7) with { Bundle = "abc" }, default));

        var state = (await h.Store.GetFunctionAsync("f", default))!;

        Assert.True(state.Paused);
        Assert.Equal(7, state.Spec.MaxQueueDepth);
        Assert.Null(state.Spec.MaxAge);
        Assert.Equal("abc", state.Spec.Bundle);
        Assert.Equal(["/bin/cat"], state.Spec.Command);
        Assert.Equal(h.Time.GetUtcNow(), state.UpdatedAt);
        Assert.Null(await h.Store.GetFunctionAsync("missing", default));
        Assert.False(await h.Store.SetPausedAsync("missing", true, default));
    }

    [Fact]
    public async Task ListFunctionsAsync_ReturnsAllByName()
    {
        await using var h = await StoreHarness.OpenAsync();
        await h.Store.PutFunctionAsync(StoreHarness.Spec("zeta"), default);
        await h.Store.PutFunctionAsync(StoreHarness.Spec("alpha") with { Env = new Dictionary<string, string> { ["K"] = "v" } }, default);

        var list = await h.Store.ListFunctionsAsync(default);

        Assert.Equal(["alpha", "zeta"], list.Select(f => f.Spec.Name));
        Assert.Equal("v", list[0].Spec.Env["K"]);
    }

    [Fact]
    public async Task DeleteFunctionAsync_KeepsTheJobRecords()
    {
        await using var h = await StoreHarness.OpenAsync();
        await h.Store.PutFunctionAsync(StoreHarness.Spec(maxQueueDepth: 1), default);
        var id = await h.EnqueueAsync();

        Assert.True(await h.Store.DeleteFunctionAsync("f", default));
        Assert.False(await h.Store.DeleteFunctionAsync("f", default));

        Assert.NotNull(await h.Store.GetJobAsync(id, default));
        Assert.Null(await h.Store.GetFunctionAsync("f", default));
        // Its depth limit went with it.
        await h.EnqueueAsync();
    }

    [Fact]
    public async Task PutBundleAsync_StoresOncePerHash()
    {
        await using var h = await StoreHarness.OpenAsync();
        byte[] zip = [1, 2, 3];
        await h.Store.PutBundleAsync("hash1", zip, default);
        await h.Store.PutBundleAsync("hash1", [9, 9], default);

        Assert.Equal(zip, await h.Store.GetBundleAsync("hash1", default));
        Assert.Null(await h.Store.GetBundleAsync("hash2", default));
    }

    [Fact]
    public async Task Keys_AreFoundByHash_UntilRevoked()
    {
        await using var h = await StoreHarness.OpenAsync();
        Assert.False(await h.Store.AnyKeysAsync(default));
        var key = new ApiKey("k1", "*", ["invoke", "admin"], h.Time.GetUtcNow());
        await h.Store.AddKeyAsync(key, "sha-1", default);
        await h.Store.AddKeyAsync(new ApiKey("k2", "team", ["read"], h.Time.GetUtcNow()), "sha-2", default);

        var found = (await h.Store.FindBySecretHashAsync("sha-1", default))!;
        Assert.Equal("k1", found.Id);
        Assert.Equal(["invoke", "admin"], found.Scopes);
        Assert.True(await h.Store.AnyKeysAsync(default));

        Assert.True(await h.Store.RevokeKeyAsync("k1", default));
        Assert.False(await h.Store.RevokeKeyAsync("k1", default));
        Assert.Null(await h.Store.FindBySecretHashAsync("sha-1", default));
        Assert.Equal(["k2"], (await h.Store.ListKeysAsync(default)).Select(k => k.Id));
        Assert.True(await h.Store.AnyKeysAsync(default));
    }
}
