namespace Fjord.Storage.Sqlite.Writer;

internal sealed partial class WriterLoop
{
    /// <summary>Hears the functions a committed group made work due for (see <see cref="Fjord.Core.Queue.IBacklogSource.ListenForWork"/>).</summary>
    public Action<string>? WorkListener { get; set; }

    /// <summary>One call per function and group (a batch of 2,000 jobs of one function is one call).</summary>
    private void TellWork(Action<string> listen)
    {
        string? previous = null;
        foreach (var function in _context.Wake)
        {
            if (ReferenceEquals(function, previous) || function == previous)
                continue;
            previous = function;
            listen(function);
        }
    }
}
