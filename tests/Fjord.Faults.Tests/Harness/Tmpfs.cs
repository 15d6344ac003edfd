using System.Diagnostics;

namespace Fjord.Faults.Tests.Harness;

/// <summary>A small tmpfs mounted for one test (we run as root), unmounted on dispose whatever happened.</summary>
internal sealed class Tmpfs : IDisposable
{
    private Tmpfs(string path) => Path = path;

    public string Path { get; }

    public static Tmpfs Mount(string path, string size)
    {
        Directory.CreateDirectory(path);
        Run("mount", "-t", "tmpfs", "-o", $"size={size}", "tmpfs", path);
        return new Tmpfs(path);
    }

    /// <summary>
    /// Fills the file system: large writes, then small ones, until it refuses. Appends to
    /// <paramref name="filler"/>; calling it again tops up whatever space was freed since.
    /// </summary>
    public static long Fill(string filler)
    {
        long written = 0;
        using var file = new FileStream(filler, FileMode.Append, FileAccess.Write, FileShare.ReadWrite, 1, FileOptions.None);
        foreach (var size in new[] { 1 << 20, 1 << 16, 1 << 12 })
        {
            var chunk = new byte[size];
            try
            {
                while (true)
                {
                    file.Write(chunk);
                    written += size;
                }
            }
            catch (IOException)
            {
                // ENOSPC: try the next, smaller size.
            }
        }
        return written;
    }

    public void Dispose()
    {
        // Lazy: a process that still holds a file here cannot keep the mount alive after the test.
        Run("umount", "-l", Path);
    }

    private static void Run(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in args)
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0)
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed: {stderr}");
    }
}
