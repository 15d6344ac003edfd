using Fjord.Core.Jobs;
using OpenTelemetry;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Fjord.Cli.Roles;

/// <summary>
/// OpenTelemetry export of Fjord's spans (intake, queue wait, attempt), configured by the standard
/// OTEL_* variables (OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT,
/// OTEL_EXPORTER_OTLP_PROTOCOL grpc | http/protobuf, OTEL_EXPORTER_OTLP_HEADERS, OTEL_SERVICE_NAME,
/// OTEL_SDK_DISABLED). Off unless an endpoint is set: without a listener the spans are never
/// created, and jobs still carry their trace context to the functions.
/// </summary>
internal static class Tracing
{
    public static TracerProvider? StartIfConfigured(string role, string node)
    {
        static string? Env(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } v ? v : null;
        if (string.Equals(Env("OTEL_SDK_DISABLED"), "true", StringComparison.OrdinalIgnoreCase))
            return null;
        if (Env("OTEL_EXPORTER_OTLP_ENDPOINT") is null && Env("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") is null)
            return null;
        return Sdk.CreateTracerProviderBuilder()
            .ConfigureResource(r => r
                .AddService(Env("OTEL_SERVICE_NAME") ?? "fjord", serviceInstanceId: node)
                .AddAttributes([new("fjord.role", role)]))
            .AddSource(TraceContext.Source.Name)
            .AddOtlpExporter()
            .Build();
    }
}
