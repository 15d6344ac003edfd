using System.Security.Cryptography;
using System.Text;
using Fjord.Tests.Shared;
using Npgsql;

namespace Fjord.Cluster.Tests;

/// <summary>Secrets across nodes: one FJORD_SECRETS_KEY shared by the gateway and the workers, or a worker that says why it cannot start.</summary>
public sealed partial class ClusterTests
{
    [Fact]
    public async Task ASecretSealedByTheGateway_IsReadByAWorkerWithTheSameKey_AndWorkersWithoutItRefuseToStart()
    {
        var key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        var shared = new Dictionary<string, string> { ["FJORD_SECRETS_KEY"] = key };
        await using var cluster = await Cluster.StartAsync(Services.BrokerUri, shared);
        var secret = "cluster-pw-" + Guid.NewGuid().ToString("N");
        using (var put = await cluster.Http.PutAsync("/v1/secrets/db-password", new ByteArrayContent(Encoding.UTF8.GetBytes(secret))))
            Assert.True(put.IsSuccessStatusCode, await put.Content.ReadAsStringAsync());
        const string Spec = """{"runtime":"exec","command":["/bin/sh","-c","sha256sum < /run/secrets/db-password | cut -c1-64"],"secrets":["db-password"]}""";
        using (var deploy = await cluster.Http.PutAsync("/v1/functions/reader", new StringContent(Spec, Encoding.UTF8, "application/json")))
            Assert.True(deploy.IsSuccessStatusCode, await deploy.Content.ReadAsStringAsync());

        var none = await Assert.ThrowsAsync<InvalidOperationException>(() => cluster.StartWorkerAsync("worker-nokey", Services.BrokerUri));
        var other = await Assert.ThrowsAsync<InvalidOperationException>(() => cluster.StartWorkerAsync("worker-otherkey", Services.BrokerUri,
            new Dictionary<string, string> { ["FJORD_SECRETS_KEY"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)) }));
        Assert.Contains("fjord: the store holds secrets and this node has no secrets key", none.Message, StringComparison.Ordinal);
        Assert.Contains("does not open the stored secrets", other.Message, StringComparison.Ordinal);

        await cluster.StartWorkerAsync("worker-a", Services.BrokerUri, shared);
        var id = await cluster.SubmitAsync("reader", "x") ?? throw new InvalidOperationException("503 with the broker up");
        var jobs = await cluster.WaitAllEndedAsync([id], TimeSpan.FromSeconds(60));
        Assert.True(jobs[id].Status == Succeeded, cluster.Logs);
        var output = (await cluster.Http.GetStringAsync($"/v1/jobs/{id}/result")).Trim();
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret))), output);

        // The database holds it sealed; nothing any node printed holds it.
        await using var connection = new NpgsqlConnection(cluster.StoreConnection);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT s::text FROM secrets s", connection);
        var row = (string)(await command.ExecuteScalarAsync())!;
        Assert.DoesNotContain(secret, row, StringComparison.Ordinal);
        Assert.DoesNotContain(Convert.ToHexStringLower(Encoding.UTF8.GetBytes(secret)), row, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, cluster.Logs, StringComparison.Ordinal);
    }
}
