using Fjord.Core.Queue;
using Fjord.Core.Secrets;
using Fjord.Core.Storage;
using Fjord.Gateway;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Fjord.Cli;

/// <summary>
/// What `fjord up` and `fjord gateway` set up alike before their roles differ: the gateway's
/// options (admin key from the environment), Kestrel on the given address, the CLI's logging,
/// and the queue and store behind the API.
/// </summary>
internal static class GatewayHost
{
    public static GatewayOptions Options(string dataDir, SecretKey? secretsKey, Commands.SurfaceSettings? surface = null, Core.Storage.KeyRateLimit? defaultKeyRateLimit = null) => new()
    {
        DefaultKeyRateLimit = defaultKeyRateLimit,
        DataDir = dataDir,
        AdminKeyFromEnvironment = Environment.GetEnvironmentVariable("FJORD_ADMIN_KEY"),
        Callbacks = new Gateway.Callbacks.CallbackOptions { Allow = (surface ?? Commands.SurfaceSettings.Default).CallbackAllow },
        MaxBundleUnpackedBytes = (surface ?? Commands.SurfaceSettings.Default).MaxBundleUnpackedBytes,
        MaxImageBytes = (surface ?? Commands.SurfaceSettings.Default).MaxImageBytes,
        RetentionDefaults = surface?.Retention ?? Core.Functions.Retention.NodeDefault,
        SecretsKey = secretsKey,
    };

    /// <summary>An opened allowlist is worth a line at start: it is where callbacks can reach inside the network.</summary>
    public static void PrintCallbackAllow(Commands.SurfaceSettings surface)
    {
        if (!surface.CallbackAllow.IsEmpty)
            Console.Out.WriteLine($"callbacks may also reach: {surface.CallbackAllow.Text}");
    }

    /// <summary>
    /// The key that seals secrets: <c>$FJORD_SECRETS_KEY</c> when set; else, for a node with its
    /// own store (<paramref name="keyFile"/>), <c>&lt;data&gt;/secrets.key</c>, created 0600 on first start.
    /// A cluster role without the variable has no key.
    /// </summary>
    /// <exception cref="CliException">The variable or the file does not hold a key.</exception>
    public static SecretKey? SecretsKey(string? keyFile) =>
        SecretsKey(keyFile, Environment.GetEnvironmentVariable(SecretKey.EnvironmentVariable));

    /// <inheritdoc cref="SecretsKey(string?)"/>
    public static SecretKey? SecretsKey(string? keyFile, string? fromEnvironment)
    {
        try
        {
            return SecretKey.FromEnvironment(fromEnvironment)
                ?? (keyFile is null ? null : SecretKey.LoadOrCreate(keyFile));
        }
        catch (FormatException e)
        {
            throw CliException.Failed(e.Message);
        }
    }

    /// <summary>Refuses to start a node that could not open the secrets already stored (no key, or another one).</summary>
    public static async Task<SecretVault> OpenSecretsAsync(ISecretStore store, SecretKey? key, CancellationToken cancellationToken)
    {
        var vault = new SecretVault(store, key);
        try
        {
            await vault.CheckKeyAsync(cancellationToken);
        }
        catch (SecretUnavailableException e)
        {
            throw CliException.Failed("the store holds secrets and " + e.Message);
        }
        return vault;
    }

    public static WebApplicationBuilder CreateBuilder<TStore>(ILoggerFactory loggerFactory, string host, int port, IJobQueue queue, TStore store)
        where TStore : class, IJobStore, IFunctionStore, IJobMonitor, IKeyStore, IReadinessSource
    {
        var builder = NewBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(loggerFactory);
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(System.Net.IPAddress.Parse(host), port);
            k.AddServerHeader = false;
        });
        builder.Services.AddSingleton(queue);
        builder.Services.AddSingleton<IJobStore>(store);
        builder.Services.AddSingleton<IFunctionStore>(store);
        builder.Services.AddSingleton<IJobMonitor>(store);
        builder.Services.AddSingleton<IKeyStore>(store);
        builder.Services.AddSingleton<IReadinessSource>(store);
        return builder;
    }

    /// <summary>
    /// The slim builder without configuration reload. Fjord reads no appsettings.json, and the
    /// default reload-on-change watches the whole working folder recursively: with the data folder
    /// (.fjord) under it, every SQLite commit woke the file-watcher thread (8% of a core during
    /// intake, measured with per-thread CPU ticks).
    /// </summary>
    internal static WebApplicationBuilder NewBuilder() =>
        WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = ["--hostBuilder:reloadConfigOnChange=false"] });
}
