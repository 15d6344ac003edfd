namespace Fjord.Gateway.Problems;

/// <summary>A stable problem <c>type</c> URI with its title and status: clients switch on the type, humans read the detail.</summary>
internal sealed record ProblemType(string Slug, string Title, int Status)
{
    public string Uri { get; } = "https://fjord.dev/problems/" + Slug;

    public static readonly ProblemType InvalidRequest = new("invalid-request", "The request is invalid", 400);
    public static readonly ProblemType InvalidName = new("invalid-name", "The name is invalid", 400);
    public static readonly ProblemType InvalidSpec = new("invalid-spec", "The function spec is invalid", 400);
    public static readonly ProblemType InvalidBundle = new("invalid-bundle", "The bundle is invalid", 400);
    public static readonly ProblemType InvalidImage = new("invalid-image", "The image upload is invalid", 400);
    public static readonly ProblemType UnknownImage = new("unknown-image", "No such image", 404);
    public static readonly ProblemType ImageInUse = new("image-in-use", "The image is used by a function", 409);
    public static readonly ProblemType Unauthorized = new("unauthorized", "A valid API key is required", 401);
    public static readonly ProblemType Forbidden = new("forbidden", "The API key may not do this", 403);
    public static readonly ProblemType UnknownFunction = new("unknown-function", "No such function", 404);
    public static readonly ProblemType UnknownJob = new("unknown-job", "No such job", 404);
    public static readonly ProblemType NotFound = new("not-found", "Not found", 404);
    public static readonly ProblemType JobExpired = new("job-expired", "The job expired under retention", 404);
    public static readonly ProblemType UnknownSecret = new("unknown-secret", "No such secret", 404);
    public static readonly ProblemType SecretsUnavailable = new("secrets-unavailable", "Secrets cannot be stored on this node", 503);
    public static readonly ProblemType WrongState = new("wrong-state", "The job is not in a state that allows this", 409);
    public static readonly ProblemType Canceled = new("canceled", "The job was canceled", 409);
    public static readonly ProblemType NotFinished = new("not-finished", "The job has not succeeded", 409);
    public static readonly ProblemType TooLarge = new("too-large", "The request body is too large", 413);
    public static readonly ProblemType InvalidKey = new("invalid-key", "The key request is invalid", 400);
    public static readonly ProblemType RateLimited = new("rate-limited", "The API key is over its rate limit", 429);
    public static readonly ProblemType QueueFull = new("queue-full", "The function's queue is full", 429);
    public static readonly ProblemType Internal = new("internal", "Internal error", 500);
    public static readonly ProblemType NotImplemented = new("not-implemented", "This backend does not offer this", 501);
    public static readonly ProblemType FunctionFailed = new("function-failed", "The function failed", 502);
    public static readonly ProblemType StoreUnavailable = new("store-unavailable", "The store could not confirm the write", 503);
    public static readonly ProblemType Timeout = new("timeout", "The invocation timed out", 504);
}
