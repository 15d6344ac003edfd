namespace Fjord.Core.Tests.Images;

/// <summary>A private folder per test: <c>cache/</c> for layers, <c>outside/</c> that nothing may touch.</summary>
internal sealed class Scratch : IDisposable
{
    public Scratch()
    {
        Directory.CreateDirectory(Outside);
    }

    public string Root { get; } = Path.Combine(Path.GetTempPath(), "fjord-images-" + Guid.NewGuid().ToString("N"));

    public string Cache => Path.Combine(Root, "cache");

    public string Outside => Path.Combine(Root, "outside");

    public string At(string name) => Path.Combine(Root, name);

    public void Dispose() => Directory.Delete(Root, recursive: true);
}
