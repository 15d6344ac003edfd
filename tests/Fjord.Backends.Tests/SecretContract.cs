using System.Text;
using Fjord.Core.Secrets;

namespace Fjord.Backends.Tests;

/// <summary>Secrets sealed at rest, run against every backend: what a copy of the store without its key shows.</summary>
public abstract class SecretContract
{
    private static readonly byte[] Plain = Encoding.UTF8.GetBytes("correct-horse-battery-staple-" + Guid.NewGuid().ToString("N"));

    protected abstract Task<Backend> CreateAsync();

    [Fact]
    public async Task PutListReadDelete_VersionsRise_ListingHasNoValues()
    {
        await using var b = await CreateAsync();
        var vault = new SecretVault(b.Secrets, SecretKey.Generate());
        await vault.PutAsync("db-password", Plain, default);
        await vault.PutAsync("api_token", [1, 2, 3], default);

        var listed = await vault.ListAsync(default);
        Assert.Equal(["api_token", "db-password"], listed.Select(s => s.Name));
        var first = listed.Single(s => s.Name == "db-password");
        Assert.Equal(Plain.Length, first.Size);
        Assert.Equal(1, first.Version);

        var read = await vault.ReadAsync(["db-password", "api_token"], default);
        Assert.Equal(Plain, read[0].Value);
        Assert.Equal([1, 2, 3], read[1].Value);
        Assert.DoesNotContain("horse", read[0].ToString(), StringComparison.Ordinal);

        await Task.Delay(5);
        await vault.PutAsync("db-password", Encoding.UTF8.GetBytes("rotated"), default);
        var again = (await vault.ListAsync(default)).Single(s => s.Name == "db-password");
        Assert.Equal(2, again.Version);
        Assert.Equal(7, again.Size);
        Assert.Equal(first.CreatedAt, again.CreatedAt);
        Assert.True(again.UpdatedAt >= first.UpdatedAt);
        Assert.Equal("rotated", Encoding.UTF8.GetString((await vault.ReadAsync(["db-password"], default))[0].Value));

        Assert.True(await vault.DeleteAsync("db-password", default));
        Assert.False(await vault.DeleteAsync("db-password", default));
        var missing = await Assert.ThrowsAsync<SecretUnavailableException>(() => vault.ReadAsync(["db-password"], default));
        Assert.Contains("'db-password' does not exist", missing.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AStoreCopiedWithoutItsKey_DoesNotRevealTheSecret_AndAnotherKeyFailsCleanly()
    {
        await using var b = await CreateAsync();
        var vault = new SecretVault(b.Secrets, SecretKey.Generate());
        await vault.PutAsync("db-password", Plain, default);

        var raw = await b.RawStoredBytesAsync("db-password");
        // The raw bytes do hold the row (its sealed value), just not the plaintext.
        var sealedValue = (await b.Secrets.GetSecretsAsync(["db-password"], default)).Single().Sealed;
        Assert.NotEqual(-1, raw.AsSpan().IndexOf(sealedValue));
        Assert.Equal(-1, raw.AsSpan().IndexOf(Plain));
        Assert.Equal(-1, raw.AsSpan().IndexOf(Plain.AsSpan(0, 16)));
        Assert.Equal(-1, raw.AsSpan().IndexOf(Encoding.UTF8.GetBytes(Convert.ToBase64String(Plain))));

        var otherKey = new SecretVault(b.Secrets, SecretKey.Generate());
        var wrong = await Assert.ThrowsAsync<SecretUnavailableException>(() => otherKey.ReadAsync(["db-password"], default));
        Assert.Contains("cannot be decrypted with this node's key", wrong.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("horse", wrong.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<SecretUnavailableException>(() => otherKey.CheckKeyAsync(default));
        // A node with another key cannot add secrets the others could not open.
        await Assert.ThrowsAsync<SecretUnavailableException>(() => otherKey.PutAsync("second", [1], default));
        Assert.Single(await vault.ListAsync(default));

        var noKey = new SecretVault(b.Secrets, key: null);
        var none = await Assert.ThrowsAsync<SecretUnavailableException>(() => noKey.ReadAsync(["db-password"], default));
        Assert.Contains("FJORD_SECRETS_KEY", none.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<SecretUnavailableException>(() => noKey.CheckKeyAsync(default));
        await vault.CheckKeyAsync(default);
    }

    [Fact]
    public async Task ASealedValueMovedToAnotherName_DoesNotOpen()
    {
        await using var b = await CreateAsync();
        var key = SecretKey.Generate();
        var vault = new SecretVault(b.Secrets, key);
        await vault.PutAsync("low", Plain, default);
        var sealedLow = (await b.Secrets.GetSecretsAsync(["low"], default)).Single();
        await b.Secrets.PutSecretAsync("high", sealedLow.Sealed, Plain.Length, default);
        await Assert.ThrowsAsync<SecretUnavailableException>(() => vault.ReadAsync(["high"], default));
    }
}

public sealed class SqliteSecretContract : SecretContract
{
    protected override Task<Backend> CreateAsync() => SqliteBackend.CreateAsync();
}

public sealed class PostgresSecretContract : SecretContract
{
    protected override async Task<Backend> CreateAsync() => await RabbitPostgresBackend.CreateAsync();
}

public sealed class RedisSecretContract : SecretContract
{
    protected override async Task<Backend> CreateAsync() => await RedisBackend.CreateAsync();
}
