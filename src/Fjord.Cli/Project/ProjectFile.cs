using Fjord.Core.Functions;
using YamlDotNet.Core;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace Fjord.Cli.Project;

/// <summary>A parsed and locally validated fjord.yml (CONTRACT §2).</summary>
internal sealed class ProjectFile
{
    private ProjectFile(string filePath, IReadOnlyList<ProjectFunction> functions)
    {
        FilePath = filePath;
        Functions = functions;
    }

    public string FilePath { get; }

    public string Directory => Path.GetDirectoryName(FilePath)!;

    /// <summary>In the order the file lists them.</summary>
    public IReadOnlyList<ProjectFunction> Functions { get; }

    /// <summary>
    /// Reads, applies the path rules and validates every function with <see cref="FunctionSpec.Parse"/>,
    /// so a broken file fails here, before anything is uploaded, with every problem on one line.
    /// </summary>
    /// <exception cref="CliException">Exit code 2: missing file, bad YAML, invalid function.</exception>
    public static ProjectFile Load(string path)
    {
        var fullPath = Path.GetFullPath(path);
        var document = Read(fullPath);
        if (document.Functions is null)
            throw CliException.Usage($"{fullPath}: no 'functions' section");

        var baseDir = Path.GetDirectoryName(fullPath)!;
        var errors = new List<string>();
        var functions = new List<ProjectFunction>();
        foreach (var (name, entry) in document.Functions)
        {
            var functionErrors = new List<string>();
            var function = Resolve(name, entry ?? new FunctionDocument(), baseDir, functionErrors);
            if (function is not null)
                functions.Add(function);
            errors.AddRange(functionErrors.Select(e => $"function '{name}': {e}"));
        }
        if (errors.Count > 0)
            throw CliException.Usage($"{fullPath}: {string.Join("; ", errors)}");
        return new ProjectFile(fullPath, functions);
    }

    private static ProjectFunction? Resolve(string name, FunctionDocument entry, string baseDir, List<string> errors)
    {
        // The wire form never carries a path (it means nothing on the server) nor a bundle
        // (the server sets it from the upload).
        var wire = Copy(entry);
        wire.Path = null;
        wire.Bundle = null;

        string? image = null;
        if (!string.IsNullOrWhiteSpace(entry.Image))
        {
            // image: is a path here; the wire form carries the digest, which deploy computes from
            // the file. Until then a placeholder digest lets the spec be checked now.
            image = Path.GetFullPath(entry.Image, baseDir);
            wire.Image = UnhashedImage;
        }

        string? folder = null;
        if (image is not null)
        {
            // An image function's handler (python/node/php) is a path inside the image.
            if (!string.IsNullOrWhiteSpace(entry.Path))
                errors.Add("image and path are exclusive: a function runs either an image or a folder");
        }
        else if (!string.IsNullOrWhiteSpace(entry.Path))
        {
            folder = Path.GetFullPath(entry.Path, baseDir);
        }
        else if (!string.IsNullOrWhiteSpace(entry.Handler) && !Path.IsPathRooted(entry.Handler))
        {
            // Without path, the handler is read relative to fjord.yml and its folder is the
            // function's folder: `handler: functions/hello/handler.py` = path functions/hello.
            var handlerPath = Path.GetFullPath(entry.Handler, baseDir);
            folder = Path.GetDirectoryName(handlerPath);
            wire.Handler = Path.GetFileName(handlerPath);
        }

        var spec = FunctionSpec.Parse(name, wire, errors);
        if (folder is not null && !System.IO.Directory.Exists(folder))
        {
            errors.Add($"folder '{folder}' does not exist");
        }
        else if (folder is not null && spec is { Runtime: not FunctionRuntime.Exec, Handler: { } handler }
            && !File.Exists(Path.Combine(folder, handler)))
        {
            errors.Add($"handler '{handler}' not found in '{folder}'");
        }
        return errors.Count == 0 && spec is not null ? new ProjectFunction(name, wire, folder, spec, image) : null;
    }

    /// <summary>Stands for an image's digest until deploy hashes the archive.</summary>
    internal const string UnhashedImage = "sha256:0000000000000000000000000000000000000000000000000000000000000000";

    private static ProjectDocument Read(string fullPath)
    {
        string text;
        try
        {
            text = File.ReadAllText(fullPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw CliException.Usage($"cannot read {fullPath}: {e.Message}");
        }

        var deserializer = new DeserializerBuilder()
            .WithNamingConvention(CamelCaseNamingConvention.Instance)
            .WithTypeConverter(new ConcurrencyYaml())
            .WithTypeConverter(new RetentionYaml())
            .Build();
        try
        {
            return deserializer.Deserialize<ProjectDocument?>(text) ?? new ProjectDocument();
        }
        catch (YamlException e)
        {
            throw CliException.Usage($"{fullPath}:{e.Start.Line}:{e.Start.Column}: {YamlErrors.Describe(e)}");
        }
    }

    private static FunctionDocument Copy(FunctionDocument d) => new()
    {
        Runtime = d.Runtime,
        Path = d.Path,
        Handler = d.Handler,
        Command = d.Command is null ? null : [.. d.Command],
        Mode = d.Mode,
        Concurrency = d.Concurrency?.Copy(),
        IdleTimeout = d.IdleTimeout,
        TargetWait = d.TargetWait,
        Timeout = d.Timeout,
        Memory = d.Memory,
        Cpu = d.Cpu,
        MaxAttempts = d.MaxAttempts,
        Backoff = d.Backoff is null ? null : new BackoffDocument { Initial = d.Backoff.Initial, Max = d.Backoff.Max },
        Network = d.Network,
        Env = d.Env is null ? null : new Dictionary<string, string>(d.Env),
        MaxQueueDepth = d.MaxQueueDepth,
        MaxAge = d.MaxAge,
        Secrets = d.Secrets is null ? null : [.. d.Secrets],
        Triggers = d.Triggers,
        Retention = d.Retention is null ? null : new RetentionDocument { Succeeded = d.Retention.Succeeded, Failed = d.Retention.Failed, Canceled = d.Retention.Canceled },
        Bundle = d.Bundle,
        RuntimeVersion = d.RuntimeVersion,
        Image = d.Image,
        Schedules = d.Schedules?.Select(s => s is null ? null : new Core.Schedules.ScheduleDocument
        {
            Name = s.Name,
            Cron = s.Cron,
            Timezone = s.Timezone,
            Payload = s.Payload,
            Overlap = s.Overlap,
            CatchUp = s.CatchUp,
        }).ToList(),
    };
}

/// <summary>The top level of fjord.yml.</summary>
internal sealed class ProjectDocument
{
    public Dictionary<string, FunctionDocument?>? Functions { get; set; }
}
