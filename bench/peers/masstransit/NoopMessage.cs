namespace Fjord.Peers;

/// <summary>The job: the same ~100-byte JSON as every peer, as a MassTransit message.</summary>
public sealed record NoopMessage(int Id, string Kind, string Data);

/// <summary>The handler: does nothing, like every peer's.</summary>
public sealed class NoopConsumer : MassTransit.IConsumer<NoopMessage>
{
    public static int Consumed;
    public static int Expected;
    public static readonly TaskCompletionSource<double> Done = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task Consume(MassTransit.ConsumeContext<NoopMessage> context)
    {
        if (Interlocked.Increment(ref Consumed) == Expected)
            Done.TrySetResult(PeerProcess.NowMs());
        return Task.CompletedTask;
    }
}
