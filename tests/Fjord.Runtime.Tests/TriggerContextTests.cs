using System.Text.Json;
using Fjord.Core.Functions;
using Fjord.Core.Jobs;

namespace Fjord.Runtime.Tests;

/// <summary>A function learns what made its job: <c>context.trigger</c> in python and node, FJORD_TRIGGER for exec.</summary>
public sealed class TriggerContextTests
{
    private static readonly JobTrigger FromQueue = new()
    {
        Kind = JobTrigger.Amqp,
        Name = "orders",
        Context = new Dictionary<string, string> { ["messageId"] = "m-7" },
    };

    [Theory]
    [InlineData(FunctionRuntime.Python, "handler.py", "import json\ndef handle(payload, context):\n    return context.trigger\n")]
    [InlineData(FunctionRuntime.Node, "handler.js", "exports.handle = async (payload, context) => context.trigger;\n")]
    public async Task Shims_GiveTheHandlerTheTrigger_AndHttpWhenThereIsNone(FunctionRuntime runtime, string handler, string code)
    {
        using var folder = new TempFolder();
        folder.Write(handler, code);
        await using var runner = RunnerFactory.Create(Run.Shim(runtime, RunMode.Warm, handler), folder.Path, Run.Options(sandbox: false));

        var queued = await runner.RunAsync(Run.Request("x") with { Trigger = FromQueue }, CancellationToken.None);
        var http = await runner.RunAsync(Run.Request("y"), CancellationToken.None);

        Assert.Null(queued.Error);
        using var seen = JsonDocument.Parse(queued.Output);
        Assert.Equal("amqp", seen.RootElement.GetProperty("kind").GetString());
        Assert.Equal("orders", seen.RootElement.GetProperty("name").GetString());
        Assert.Equal("m-7", seen.RootElement.GetProperty("context").GetProperty("messageId").GetString());
        using var plain = JsonDocument.Parse(http.Output);
        Assert.Equal("http", plain.RootElement.GetProperty("kind").GetString());
    }

    [Fact]
    public async Task Exec_SeesTheTriggerAsJson_InFjordTrigger()
    {
        var spec = Run.Exec("/bin/sh", "-c", "printf %s \"$FJORD_TRIGGER\"");
        await using var runner = RunnerFactory.Create(spec, null, Run.Options(sandbox: false));

        var result = await runner.RunAsync(Run.Request("x") with { Trigger = FromQueue }, CancellationToken.None);

        Assert.Null(result.Error);
        Assert.Equal("orders", JobTrigger.Unpack(result.Text()).Name);
    }
}
