using System.Text.RegularExpressions;
using Fjord.Core.Schedules;

namespace Fjord.Core.Functions;

/// <summary>A validated function definition with every default applied (CONTRACT §2).</summary>
public sealed partial record FunctionSpec
{
    public const int MaxNameLength = 63;

    public required string Name { get; init; }
    public FunctionRuntime Runtime { get; init; } = FunctionRuntime.Exec;
    public string? Handler { get; init; }
    public IReadOnlyList<string> Command { get; init; } = [];
    public RunMode Mode { get; init; } = RunMode.Fork;
    public int Concurrency { get; init; } = 1;
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(60);
    public long MemoryBytes { get; init; } = 256L * 1024 * 1024;

    /// <summary>CPU quota in cores per process (0.5 = half a core); null = the node's default.</summary>
    public double? CpuCores { get; init; }
    public int MaxAttempts { get; init; } = 5;
    public Backoff Backoff { get; init; } = Backoff.Default;
    public bool Network { get; init; }
    public IReadOnlyDictionary<string, string> Env { get; init; } = new Dictionary<string, string>();
    public int MaxQueueDepth { get; init; } = 100_000;
    public TimeSpan? MaxAge { get; init; }

    /// <summary>Secrets the function may read, each as /run/secrets/NAME in its sandbox; never in its environment.</summary>
    public IReadOnlyList<string> Secrets { get; init; } = [];

    /// <summary>RabbitMQ queues whose messages become jobs of this function (consumed by every gateway).</summary>
    public IReadOnlyList<AmqpTrigger> Triggers { get; init; } = [];

    /// <summary>The python/node/php version the function declares (<c>3.11</c>); null when it declares none.</summary>
    public string? RuntimeVersion { get; init; }

    /// <summary>How long ended jobs are kept; null (or a null state): the node's default.</summary>
    public Retention? Retention { get; init; }

    /// <summary>Content hash (sha256 hex) of the function's folder, or null for a host program.</summary>
    public string? Bundle { get; init; }

    /// <summary>Cron schedules that make jobs of this function (every gateway runs them, each fire time once).</summary>
    public IReadOnlyList<ScheduleSpec> Schedules { get; init; } = [];

    [GeneratedRegex(@"^[0-9]{1,4}(\.[0-9]{1,4}){0,2}$")]
    private static partial Regex VersionRegex();

    [GeneratedRegex("^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")]
    private static partial Regex NameRegex();

    /// <summary>Lower-case letters, digits and inner dashes: safe in URLs, paths, queue and cgroup names.</summary>
    public static bool IsValidName(string? name) => name is not null && NameRegex().IsMatch(name);

    /// <summary>Applies defaults and validates. Returns null and fills <paramref name="errors"/> when invalid.</summary>
    public static FunctionSpec? Parse(string name, FunctionDocument doc, List<string> errors)
    {
        if (!IsValidName(name))
            errors.Add($"name '{name}' must be 1-63 lower-case letters, digits or inner dashes");

        var runtime = FunctionRuntime.Exec;
        if (doc.Runtime is not null && !Enum.TryParse(doc.Runtime, ignoreCase: true, out runtime))
            errors.Add($"runtime '{doc.Runtime}' must be python, node, php or exec");
        else if (doc.Runtime is null && doc.Image is null)
            errors.Add("runtime is required (python, node, php or exec)");
        var image = ParseImage(doc, errors);

        var mode = runtime == FunctionRuntime.Exec ? RunMode.Fork : RunMode.Warm;
        if (doc.Mode is not null && !Enum.TryParse(doc.Mode, ignoreCase: true, out mode))
            errors.Add($"mode '{doc.Mode}' must be warm or fork");

        var command = doc.Command ?? [];
        if (runtime == FunctionRuntime.Exec)
        {
            // An image's own Entrypoint + Cmd is its command when the function names none.
            if (image is null && (command.Count == 0 || string.IsNullOrEmpty(command[0])))
                errors.Add("an exec function needs a command");
            if (mode == RunMode.Warm)
                errors.Add("exec functions run in fork mode only");
        }
        else if (string.IsNullOrWhiteSpace(doc.Handler))
        {
            errors.Add($"a {runtime.ToString().ToLowerInvariant()} function needs a handler");
        }
        if (doc.Handler is { } h && (h.StartsWith('/') || h.Split('/').Contains("..")))
            errors.Add("handler must be a relative path inside the function's folder");

        var pool = ParsePool(doc, errors);

        var timeout = TimeSpan.FromSeconds(60);
        if (doc.Timeout is not null && (!Quantity.TryParseDuration(doc.Timeout, out timeout) || timeout <= TimeSpan.Zero))
            errors.Add($"timeout '{doc.Timeout}' is not a duration like 30s or 5m");

        long memory = 256L * 1024 * 1024;
        if (doc.Memory is not null && (!Quantity.TryParseBytes(doc.Memory, out memory) || memory < 4 * 1024 * 1024))
            errors.Add($"memory '{doc.Memory}' is not a size of at least 4Mi, like 256Mi or 1Gi");

        if (doc.Cpu is { } cpu && (double.IsNaN(cpu) || cpu < 0.01 || cpu > 1024))
            errors.Add($"cpu {cpu.ToString(System.Globalization.CultureInfo.InvariantCulture)} must be a number of cores between 0.01 and 1024, like 0.5 or 2");

        var maxAttempts = doc.MaxAttempts ?? 5;
        if (maxAttempts is < 1 or > 100)
            errors.Add("maxAttempts must be between 1 and 100");

        var backoff = Backoff.Default;
        if (doc.Backoff is { } b)
        {
            var initial = backoff.Initial;
            var max = backoff.Max;
            if (b.Initial is not null && !Quantity.TryParseDuration(b.Initial, out initial))
                errors.Add($"backoff.initial '{b.Initial}' is not a duration");
            if (b.Max is not null && !Quantity.TryParseDuration(b.Max, out max))
                errors.Add($"backoff.max '{b.Max}' is not a duration");
            if (max < initial)
                errors.Add("backoff.max must not be below backoff.initial");
            backoff = new Backoff(initial, max);
        }

        var depth = doc.MaxQueueDepth ?? 100_000;
        if (depth < 1)
            errors.Add("maxQueueDepth must be at least 1");

        TimeSpan? maxAge = null;
        if (doc.MaxAge is not null)
        {
            if (Quantity.TryParseDuration(doc.MaxAge, out var age) && age > TimeSpan.Zero)
                maxAge = age;
            else
                errors.Add($"maxAge '{doc.MaxAge}' is not a duration");
        }

        foreach (var key in doc.Env?.Keys ?? Enumerable.Empty<string>())
        {
            if (key.Length == 0 || key.Contains('=') || key.StartsWith("FJORD_", StringComparison.Ordinal))
                errors.Add($"env key '{key}' is not allowed");
        }

        var secrets = doc.Secrets ?? [];
        foreach (var secret in secrets)
        {
            if (!Fjord.Core.Secrets.SecretName.IsValid(secret))
                errors.Add($"secret '{secret}' must be {Fjord.Core.Secrets.SecretName.Rule}");
        }
        if (secrets.Distinct(StringComparer.Ordinal).Count() != secrets.Count)
            errors.Add("secrets must not name a secret twice");

        var schedules = ScheduleSpec.ParseAll(doc.Schedules, errors);
        var triggers = AmqpTrigger.Parse(doc.Triggers, errors);
        if (doc.RuntimeVersion is { } version && (runtime == FunctionRuntime.Exec || !VersionRegex().IsMatch(version)))
            errors.Add(runtime == FunctionRuntime.Exec ? "runtimeVersion is for python, node and php functions" : $"runtimeVersion '{version}' is not a version like 3.11 or 20");
        var retention = Retention.Parse(doc.Retention, errors);

        if (errors.Count > 0)
            return null;

        return new FunctionSpec
        {
            Name = name,
            Runtime = runtime,
            Handler = doc.Handler,
            Command = command.ToArray(),
            Mode = mode,
            Concurrency = pool.Max,
            MinConcurrency = pool.Min,
            Elastic = pool.Elastic,
            IdleTimeout = pool.IdleTimeout,
            TargetWait = pool.TargetWait,
            Timeout = timeout,
            MemoryBytes = memory,
            CpuCores = doc.Cpu,
            MaxAttempts = maxAttempts,
            Backoff = backoff,
            Network = doc.Network ?? false,
            Env = new Dictionary<string, string>(doc.Env ?? []),
            MaxQueueDepth = depth,
            MaxAge = maxAge,
            Secrets = secrets.ToArray(),
            Triggers = triggers,
            Retention = retention,
            Bundle = doc.Bundle,
            RuntimeVersion = doc.RuntimeVersion,
            Schedules = schedules,
            Image = image,
            ImageSize = image is null ? null : doc.ImageSize,
        };
    }

    public FunctionDocument ToDocument() => new()
    {
        Runtime = Runtime.ToString().ToLowerInvariant(),
        Handler = Handler,
        Command = Command.Count == 0 ? null : [.. Command],
        Mode = Mode.ToString().ToLowerInvariant(),
        Concurrency = Elastic ? new ConcurrencyDocument { Min = MinConcurrency, Max = Concurrency } : ConcurrencyDocument.FromInt32(Concurrency),
        IdleTimeout = Elastic ? Quantity.FormatDuration(IdleTimeout) : null,
        TargetWait = Elastic ? Quantity.FormatDuration(TargetWait) : null,
        Timeout = Quantity.FormatDuration(Timeout),
        Memory = Quantity.FormatBytes(MemoryBytes),
        Cpu = CpuCores,
        MaxAttempts = MaxAttempts,
        Backoff = new BackoffDocument { Initial = Quantity.FormatDuration(Backoff.Initial), Max = Quantity.FormatDuration(Backoff.Max) },
        Network = Network,
        Env = Env.Count == 0 ? null : new Dictionary<string, string>(Env),
        MaxQueueDepth = MaxQueueDepth,
        MaxAge = MaxAge is { } age ? Quantity.FormatDuration(age) : null,
        Secrets = Secrets.Count == 0 ? null : [.. Secrets],
        Triggers = Triggers.Count == 0 ? null : [.. Triggers.Select(t => t.ToDocument())],
        Retention = Retention?.ToDocument(),
        Bundle = Bundle,
        RuntimeVersion = RuntimeVersion,
        Schedules = Schedules.Count == 0 ? null : [.. Schedules.Select(s => s.ToDocument())],
        Image = Image,
        ImageSize = ImageSize,
    };
}
