namespace Fjord.Core.Jobs;

/// <summary>How a job ended, with its result when it succeeded: what a waiting sync caller needs.</summary>
public sealed record JobEnd(JobStatus Status, JobError? Error, JobResult? Result);
