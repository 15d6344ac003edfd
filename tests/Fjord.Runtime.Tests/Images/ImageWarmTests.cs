using Fjord.Core.Functions;
using Fjord.Core.Jobs;
using static Fjord.Tests.Shared.TestImages;

namespace Fjord.Runtime.Tests.Images;

/// <summary>
/// A python image (the host's interpreter and just the modules the shim needs, built in the test)
/// as a warm function: the shim is mounted into the image and run by the image's own interpreter.
/// </summary>
public sealed class ImageWarmTests
{
    private const string Handler = """
        import os, sys
        count = 0

        def handle(payload, context):
            global count
            count += 1
            if payload == b"hog":
                hog = bytearray(400 * 1024 * 1024)
                return str(len(hog))
            return "%s %d %s %s %d %s" % (payload.decode(), count, sys.executable, os.environ.get("IMAGE_VAR"),
                                          os.getuid(), os.path.exists("/usr/lib/python3.11/asyncio"))
        """;

    private static readonly object Config = new { Env = new[] { "PATH=/usr/bin", "IMAGE_VAR=from-image" }, WorkingDir = "/app" };

    private static BuiltImage PythonImage() =>
        BuiltImage.Create(Config, Layers.HostPython(), Layer(Dir("app"), File("app/handler.py", Handler)));

    private static FunctionSpec Spec(RunMode mode) => Run.Shim(FunctionRuntime.Python, mode, "handler.py") with { Name = "t-image-py" };

    [Fact]
    public async Task WarmPython_RunsJobAfterJobInOneProcess_OnTheImagesInterpreter()
    {
        using var image = PythonImage();
        await using var runner = RunnerFactory.Create(Spec(RunMode.Warm), null, Run.Options(true), image.Root);

        var results = new List<RunResult>();
        for (var i = 1; i <= 3; i++)
            results.Add(await runner.RunAsync(Run.Request($"job{i}"), CancellationToken.None));

        Assert.All(results, r => Assert.Null(r.Error));
        // The image has only the shim's modules (no asyncio): the host's /usr is not there.
        Assert.Equal(["job1 1 /usr/bin/python3 from-image 65534 False", "job2 2 /usr/bin/python3 from-image 65534 False", "job3 3 /usr/bin/python3 from-image 65534 False"],
            results.Select(r => r.Text()));
        Assert.Single(results.Select(r => r.Pid).Distinct());
    }

    [Fact]
    public async Task ForkPython_RunsEachJobInAFreshImageProcess()
    {
        using var image = PythonImage();
        await using var runner = RunnerFactory.Create(Spec(RunMode.Fork), null, Run.Options(true), image.Root);

        var first = await runner.RunAsync(Run.Request("a"), CancellationToken.None);
        var second = await runner.RunAsync(Run.Request("b"), CancellationToken.None);

        Assert.Equal("a 1 /usr/bin/python3 from-image 65534 False", first.Text());
        Assert.Equal("b 1 /usr/bin/python3 from-image 65534 False", second.Text());
    }

    [Fact]
    public async Task MemoryLimit_KillsTheImagesProcess_AndTheNextJobGetsAFreshOne()
    {
        using var image = PythonImage();
        var spec = Spec(RunMode.Warm) with { MemoryBytes = 64L * 1024 * 1024 };
        await using var runner = RunnerFactory.Create(spec, null, Run.Options(true), image.Root);

        var hog = await runner.RunAsync(Run.Request("hog"), CancellationToken.None);
        var next = await runner.RunAsync(Run.Request("after"), CancellationToken.None);

        Assert.Equal(ErrorKind.Memory, hog.Error?.Kind);
        Assert.Null(next.Error);
        Assert.StartsWith("after 1 ", next.Text(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task WarmPython_InAnImageWithoutPython_IsAClearErrorAtStart()
    {
        using var image = BuiltImage.Create(new { Env = new[] { "PATH=/bin" } }, Layers.Busybox(File("handler.py", Handler)));
        await using var runner = RunnerFactory.Create(Spec(RunMode.Warm), null, Run.Options(true), image.Root);

        var result = await runner.RunAsync(Run.Request("x"), CancellationToken.None);

        Assert.Equal(ErrorKind.Crash, result.Error?.Kind);
        Assert.Contains("the image has no python interpreter", result.Error!.Message, StringComparison.Ordinal);
        Assert.Contains("the image has no python interpreter", result.Log, StringComparison.Ordinal);
    }
}
