using System.Diagnostics;
using System.Formats.Tar;
using Fjord.Core.Images;
using static Fjord.Tests.Shared.TestImages;

namespace Fjord.Tests.Shared;

/// <summary>
/// An image built in the test, byte by byte (<see cref="TestImages"/>), saved as a real docker save
/// archive and taken through the real pipeline: read and verified, layers unpacked into a cache, root
/// composed. What a worker's image cache hands the runner.
/// </summary>
internal sealed class BuiltImage : IDisposable
{
    private const UnixFileMode Searchable = (UnixFileMode)0b111_101_101;

    private readonly string _dir;

    private BuiltImage(string dir, ImageRoot root)
    {
        _dir = dir;
        Root = root;
    }

    public ImageRoot Root { get; }

    /// <summary>A folder beside the image that only the host sees (a stand-in for the node's data folder).</summary>
    public string HostOnly => Path.Combine(_dir, "host-only");

    public static BuiltImage Create(object config, params byte[][] layers)
    {
        if (OperatingSystem.IsWindows())
            throw new PlatformNotSupportedException("images run on Linux");
        var dir = Directory.CreateTempSubdirectory("fjord-image-run-").FullName;
        // Reachable by the image's user, as a node's image cache is (bwrap binds the root as that user).
        System.IO.File.SetUnixFileMode(dir, Searchable);
        try
        {
            var archive = Path.Combine(dir, "image.tar");
            DockerSave(archive, layers, config: Config(layers, config));
            using var image = ImageArchive.Open(archive, dir);
            var root = Path.Combine(dir, "root");
            RootComposer.Compose(new LayerCache(Path.Combine(dir, "cache")).UnpackAll(image), root);
            System.IO.File.Delete(archive);
            Directory.CreateDirectory(Path.Combine(dir, "host-only"));
            System.IO.File.WriteAllText(Path.Combine(dir, "host-only", "node-data.txt"), "host secret");
            return new BuiltImage(dir, new ImageRoot(root, image.Config));
        }
        catch
        {
            Directory.Delete(dir, recursive: true);
            throw;
        }
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>The layers the tests build their images from.</summary>
internal static class Layers
{
    public const string Passwd = "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1001:app:/home/app:/bin/sh\n";
    public const string Group = "root:x:0:\nstaff:x:1001:\nwheel:x:10:app\n";

    /// <summary>Debian's static busybox as /bin/busybox with sh, cat, ... as links, an /etc of the image's own and a /work folder.</summary>
    public static byte[] Busybox(params Action<TarWriter>[] extra)
    {
        var busybox = System.IO.File.ReadAllBytes("/bin/busybox");
        var entries = new List<Action<TarWriter>>
        {
            Dir("bin"), File("bin/busybox", busybox, Exec),
            Dir("etc"), File("etc/passwd", Passwd), File("etc/group", Group), File("etc/image-release", "busybox test image\n"),
            Dir("work"), File("work/data.txt", "in the image\n"), Dir("home"), Dir("home/app"),
        };
        foreach (var applet in (string[])["sh", "cat", "echo", "id", "pwd", "touch", "dd", "ls", "sleep", "env", "head", "tail", "wc", "stat", "grep", "mkdir"])
            entries.Add(Symlink("bin/" + applet, "busybox"));
        entries.AddRange(extra);
        return Layer([.. entries]);
    }

    /// <summary>
    /// The host's /usr/bin/python3 as an image: the interpreter, the shared libraries ldd names and
    /// just the standard library modules the shim imports (~12 MB), so a warm python function runs
    /// the image's interpreter, not the host's.
    /// </summary>
    public static byte[] HostPython()
    {
        var files = new SortedDictionary<string, string>(StringComparer.Ordinal) { ["usr/bin/python3"] = "/usr/bin/python3" };
        foreach (var line in Output("ldd", "/usr/bin/python3").Split('\n'))
        {
            var path = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries).FirstOrDefault(p => p.StartsWith('/'));
            if (path is not null)
                files[InUsr(path)] = path;
        }
        const string Modules = "import importlib.util, json, os, struct, sys, traceback, site\n"
            + "print('\\n'.join(sorted({m.__file__ for m in list(sys.modules.values()) if getattr(m, '__file__', None)})))";
        foreach (var module in Output("/usr/bin/python3", "-c", Modules).Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (module.StartsWith("/usr/lib/python3.", StringComparison.Ordinal))
                files[module[1..]] = module;
        }
        var entries = new List<Action<TarWriter>>
        {
            Dir("usr"), Symlink("bin", "usr/bin"), Symlink("lib", "usr/lib"), Symlink("lib64", "usr/lib64"),
            Dir("etc"), File("etc/passwd", Passwd), File("etc/group", Group), Dir("app"),
        };
        foreach (var (inImage, host) in files)
            entries.Add(File(inImage, System.IO.File.ReadAllBytes(host), Exec));
        return Layer([.. entries]);
    }

    /// <summary>/lib/x/libc.so.6 lives at /usr/lib/x/libc.so.6 behind the image's /lib -> usr/lib.</summary>
    private static string InUsr(string path) =>
        path.StartsWith("/usr/", StringComparison.Ordinal) ? path[1..] : "usr" + path;

    private static string Output(string program, params string[] args)
    {
        var psi = new ProcessStartInfo(program) { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var arg in args)
            psi.ArgumentList.Add(arg);
        using var process = Process.Start(psi)!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return output;
    }
}
