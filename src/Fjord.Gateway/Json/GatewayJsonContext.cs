using System.Text.Json.Serialization;
using Fjord.Core.Functions;

namespace Fjord.Gateway.Json;

/// <summary>
/// Source-generated (de)serialization for every body the gateway reads or writes: no reflection
/// on the intake path. Unknown members in a function spec are an error, so a typo such as
/// <c>maxAttempt</c> is reported instead of silently ignored.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow)]
[JsonSerializable(typeof(ProblemBody))]
[JsonSerializable(typeof(AcceptedJob))]
[JsonSerializable(typeof(BatchAccepted))]
[JsonSerializable(typeof(JobView))]
[JsonSerializable(typeof(JobList))]
[JsonSerializable(typeof(FunctionDocument))]
[JsonSerializable(typeof(FunctionView))]
[JsonSerializable(typeof(FunctionList))]
[JsonSerializable(typeof(BundleAnswer))]
[JsonSerializable(typeof(QueuesView))]
[JsonSerializable(typeof(NodesView))]
[JsonSerializable(typeof(ReadyView))]
[JsonSerializable(typeof(DeadLetterFilterBody))]
[JsonSerializable(typeof(DeadLetterAnswer))]
[JsonSerializable(typeof(KeyRequest))]
[JsonSerializable(typeof(KeyView))]
[JsonSerializable(typeof(KeyList))]
[JsonSerializable(typeof(SecretList))]
[JsonSerializable(typeof(ScheduleList))]
[JsonSerializable(typeof(ScheduleView))]
internal sealed partial class GatewayJsonContext : JsonSerializerContext;
