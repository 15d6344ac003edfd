using System.Net;
using System.Text;
using System.Text.Json;

namespace Fjord.EndToEnd.Tests;

/// <summary>
/// Issue 11 tracing on a real `fjord up` exporting to an OTLP/HTTP receiver in this test: the trace
/// a caller sends in <c>traceparent</c> reaches an exec and a python function and is the job's
/// <c>traceId</c>, and the node's intake and attempt spans arrive under that same trace id.
/// </summary>
public sealed class TracingTests(TracingNode fixture) : IClassFixture<TracingNode>
{
    private const string TraceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    private const string CallerParent = "00-" + TraceId + "-00f067aa0ba902b7-01";

    private readonly FjordNode _node = fixture.Node;
    private readonly OtlpReceiver _receiver = fixture.Receiver;

    [Fact]
    public async Task ExecFunction_SeesTheCallersTrace_AsTraceparent_AndTheJobShowsItsTraceId()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/functions/tp-exec/invoke") { Content = new StringContent("x") };
        request.Headers.TryAddWithoutValidation("traceparent", CallerParent);
        using var response = await _node.Http.SendAsync(request);
        var output = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, output);
        Assert.Equal(TraceId, output.Split('-')[1]);
        Assert.Matches("^00-[0-9a-f]{32}-[0-9a-f]{16}-01$", output);

        var jobId = response.Headers.GetValues("X-Fjord-Job-Id").Single();
        using var job = JsonDocument.Parse(await _node.Http.GetStringAsync($"/v1/jobs/{jobId}"));
        Assert.Equal(TraceId, job.RootElement.GetProperty("traceId").GetString());
    }

    [Fact]
    public async Task PythonFunction_SeesTheCallersTrace_InContextAndEnvironment()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/functions/tp-py/invoke") { Content = new StringContent("x") };
        request.Headers.TryAddWithoutValidation("traceparent", CallerParent);
        using var response = await _node.Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        using var doc = JsonDocument.Parse(text);
        Assert.Equal(TraceId, doc.RootElement.GetProperty("context").GetString()!.Split('-')[1]);
        Assert.Equal(doc.RootElement.GetProperty("context").GetString(), doc.RootElement.GetProperty("env").GetString());
    }

    [Fact]
    public async Task WithoutTraceparent_IntakeStartsATrace()
    {
        using var response = await _node.Http.PostAsync("/v1/functions/tp-exec/jobs", new StringContent("x"));
        using var accepted = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var id = accepted.RootElement.GetProperty("id").GetString();
        using var job = JsonDocument.Parse(await _node.Http.GetStringAsync($"/v1/jobs/{id}"));
        var traceId = job.RootElement.GetProperty("traceId").GetString();
        Assert.Matches("^[0-9a-f]{32}$", traceId);
        Assert.NotEqual(TraceId, traceId);
    }

    [Fact]
    public async Task OtlpReceiver_GetsTheIntakeAndAttemptSpans_UnderTheCallersTraceId()
    {
        const string traceId = "0af7651916cd43dd8448eb211c80319c";
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/functions/tp-exec/invoke") { Content = new StringContent("x") };
        request.Headers.TryAddWithoutValidation("traceparent", $"00-{traceId}-b7ad6b7169203331-01");
        using (var response = await _node.Http.SendAsync(request))
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        // OTLP protobuf carries the trace id as 16 raw bytes beside each span's name.
        var id = Convert.FromHexString(traceId);
        var until = DateTime.UtcNow.AddSeconds(30);
        while (!(_receiver.Has(id, "intake") && _receiver.Has(id, "attempt")))
        {
            Assert.True(DateTime.UtcNow < until, $"spans never arrived: {_receiver.Count} export(s) received\n{_node.Tail()}");
            await Task.Delay(100);
        }
        Assert.Contains("/v1/traces", _receiver.Paths);
    }

}

/// <summary>One `fjord up` for the tracing tests, exporting to the receiver; an exec and a python function that print their TRACEPARENT.</summary>
public sealed class TracingNode : IAsyncLifetime
{
    private readonly TempDir _dir = new();

    internal FjordNode Node { get; private set; } = null!;

    internal OtlpReceiver Receiver { get; } = new();

    public async Task InitializeAsync()
    {
        var project = _dir.Combine("project");
        Directory.CreateDirectory(Path.Combine(project, "tp"));
        File.WriteAllText(Path.Combine(project, "tp", "handler.py"), """
            import os

            def handle(payload, context):
                return {"context": context.traceparent, "env": os.environ.get("TRACEPARENT")}
            """);
        File.WriteAllText(Path.Combine(project, "fjord.yml"), """
            functions:
              tp-exec:
                runtime: exec
                command: ["/bin/sh", "-c", "printf %s \"$TRACEPARENT\""]
              tp-py:
                runtime: python
                path: tp
                handler: handler.py
            """);
        Node = await FjordNode.StartAsync(_dir.Combine("data"), Path.Combine(project, "fjord.yml"), new Dictionary<string, string>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = Receiver.Url,
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["OTEL_BSP_SCHEDULE_DELAY"] = "200",
            ["OTEL_SERVICE_NAME"] = "fjord-e2e",
        });
    }

    public async Task DisposeAsync()
    {
        await Node.DisposeAsync();
        await Receiver.DisposeAsync();
        _dir.Dispose();
    }
}

/// <summary>A tiny OTLP/HTTP receiver on 127.0.0.1: keeps every export body, answers 200.</summary>
internal sealed class OtlpReceiver : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly List<byte[]> _bodies = [];
    private readonly List<string> _paths = [];
    private readonly Task _loop;

    public OtlpReceiver()
    {
        var port = FjordNode.FreePort();
        Url = $"http://127.0.0.1:{port}";
        _listener.Prefixes.Add(Url + "/");
        _listener.Start();
        _loop = Task.Run(LoopAsync);
    }

    public string Url { get; }

    public int Count
    {
        get
        {
            lock (_bodies)
                return _bodies.Count;
        }
    }

    public IReadOnlyList<string> Paths
    {
        get
        {
            lock (_bodies)
                return [.. _paths];
        }
    }

    /// <summary>True when one export holds the trace id and a span of that name.</summary>
    public bool Has(byte[] traceId, string spanName)
    {
        var name = Encoding.UTF8.GetBytes(spanName);
        lock (_bodies)
            return _bodies.Any(b => b.AsSpan().IndexOf(traceId) >= 0 && b.AsSpan().IndexOf(name) >= 0);
    }

    private async Task LoopAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }
            using var body = new MemoryStream();
            await context.Request.InputStream.CopyToAsync(body);
            lock (_bodies)
            {
                _bodies.Add(body.ToArray());
                _paths.Add(context.Request.Url!.AbsolutePath);
            }
            context.Response.StatusCode = 200;
            context.Response.ContentType = "application/x-protobuf";
            context.Response.Close();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        _listener.Close();
        await _loop;
    }
}
