namespace Fjord.Queue.RabbitMq;

/// <summary>One durable quorum queue per function. Function names are already safe queue names.</summary>
internal static class QueueNames
{
    public const string Prefix = "fjord.fn.";

    public static string For(string function) => Prefix + function;

    /// <summary>
    /// Quorum: replicated and fsynced before the confirm on a cluster, durable on one node.
    /// The arguments never depend on the function's spec: redeclaring a queue with different
    /// arguments is refused by the broker, and a redeploy must not break dispatch. (So the
    /// consumer timeout is the node's <c>consumer_timeout</c>, not a queue argument: RabbitMQ
    /// 3.10 has no per-queue one. Exceeding it is harmless here anyway, see FunctionConsumer.)
    /// </summary>
    public static readonly IDictionary<string, object?> Arguments = new Dictionary<string, object?>
    {
        ["x-queue-type"] = "quorum",
    };
}
