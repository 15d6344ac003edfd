namespace Fjord.Cli.Scaffold;

/// <summary>One file `fjord new` writes into the function's folder.</summary>
internal sealed record TemplateFile(string Name, string Text, bool Executable = false);

/// <summary>
/// What `fjord new NAME --runtime R` writes: a function folder that works as written (echoes its
/// payload back in a small JSON object, logs a line), and its fjord.yml entry.
/// </summary>
internal static class FunctionTemplates
{
    public static readonly string[] Runtimes = ["python", "node", "php", "exec", "image"];

    public static IReadOnlyList<TemplateFile> Files(string runtime, string name) => runtime switch
    {
        "python" => [new("handler.py", $$"""
            # The {{name}} function. handle() runs once per job; in warm mode (the default) the module is
            # imported once per process, so put expensive setup here, at module level.


            def handle(payload: bytes, context):
                text = payload.decode("utf-8", errors="replace")
                print(f"job {context.job_id}: {len(payload)} bytes")  # print() goes to the job's log
                return {"function": "{{name}}", "echo": text}  # bytes, str, or JSON-able
            """)],
        "node" => [new("handler.js", $$"""
            // The {{name}} function. handle() runs once per job; in warm mode (the default) this file is
            // loaded once per process, so put expensive setup here, at module level.
            exports.handle = async function handle(payload /* Buffer */, context) {
                const text = payload.toString('utf8');
                console.log(`job ${context.jobId}: ${payload.length} bytes`); // console.log goes to the job's log
                return { function: '{{name}}', echo: text }; // Buffer, string, or JSON-able
            };
            """)],
        "php" => [new("handler.php", $$"""
            <?php
            // The {{name}} function. handle() runs once per job; in warm mode (the default) this file is
            // required once per process, so put expensive setup here, outside the function.

            function handle(string $payload, array $context)
            {
                echo "job {$context['jobId']}: " . strlen($payload) . " bytes\n"; // echo goes to the job's log
                return ['function' => '{{name}}', 'echo' => $payload]; // a string, or anything json_encode takes
            }
            """)],
        "exec" => [new("run.sh", $$"""
            #!/bin/sh
            # The {{name}} function: any program. The payload arrives on stdin, the result is what it
            # writes to stdout, exit code 0 is success; stderr is the job's log.
            set -eu
            echo "job $FJORD_JOB_ID of {{name}}" >&2
            printf 'echo: '
            cat
            """, Executable: true)],
        "image" => [
            new("Dockerfile", $$"""
                # The {{name}} function as a container image: the exec protocol (payload on stdin, result on
                # stdout, exit code 0 is success, stderr is the job's log). Build and save it on any machine
                # with Docker or Podman; Fjord nodes need neither:
                #
                #   docker build -t {{name}} .
                #   docker save {{name}} -o {{name}}.tar      # plain or gzip'd docker save / OCI archive
                #
                # fjord.yml already names the archive (image: functions/{{name}}/{{name}}.tar); `fjord deploy`
                # uploads it once per digest and the nodes run it without Docker (docs/functions.md#images).
                FROM debian:bookworm-slim
                COPY run.sh /usr/local/bin/run.sh
                ENTRYPOINT ["/usr/local/bin/run.sh"]
                """),
            new("run.sh", $$"""
                #!/bin/sh
                # Runs inside the {{name}} image: payload on stdin, result on stdout.
                set -eu
                printf 'echo: '
                cat
                """, Executable: true),
        ],
        _ => throw CliException.Usage($"--runtime must be one of {string.Join(", ", Runtimes)}, not '{runtime}'"),
    };

    /// <summary>The fjord.yml entry, indented by <paramref name="indent"/> spaces; <paramref name="folder"/> is relative to fjord.yml with '/'.</summary>
    public static string Entry(string runtime, string name, string folder, int indent)
    {
        var lines = runtime switch
        {
            "python" => Shim("python", "handler.py"),
            "node" => Shim("node", "handler.js"),
            "php" => Shim("php", "handler.php"),
            "exec" => ["runtime: exec", $"path: {folder}", "command: [\"./run.sh\"]", "timeout: 30s"],
            // The archive is made by `docker save` (see the Dockerfile); until it exists, `fjord deploy`
            // says so for this function only, and the rest of the file still loads.
            "image" => [$"image: {folder}/{name}.tar", "timeout: 30s"],
            _ => throw CliException.Usage($"--runtime must be one of {string.Join(", ", Runtimes)}, not '{runtime}'"),
        };
        var pad = new string(' ', indent);
        return $"{pad}{name}:\n" + string.Concat(lines.Select(l => $"{pad}{pad}{l}\n"));

        string[] Shim(string r, string handler) => [$"runtime: {r}", $"path: {folder}", $"handler: {handler}", "timeout: 30s"];
    }
}
