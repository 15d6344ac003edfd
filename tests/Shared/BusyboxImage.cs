using System.Formats.Tar;
using static Fjord.Tests.Shared.TestImages;

namespace Fjord.Tests.Shared;

/// <summary>A small exec image for deploy tests: Debian's static busybox, saved as a gzip docker save archive built byte by byte.</summary>
internal static class BusyboxImage
{
    /// <summary>Its Cmd reads the payload's first line and answers "LINE from busybox test image as UID".</summary>
    public static readonly object EchoConfig = new
    {
        Entrypoint = new[] { "/bin/sh", "-c" },
        Cmd = new[] { "read x; echo \"$x from $(cat /etc/image-release) as $(id -u)\"" },
        Env = new[] { "PATH=/bin" },
    };

    /// <summary>Writes the archive to <paramref name="path"/> and returns its digest (sha256 of the file).</summary>
    public static string Save(string path, params Action<TarWriter>[] extra)
    {
        var layer = Layer(extra);
        DockerSave(path, [layer], gzip: true, config: Config([layer], EchoConfig));
        return Fjord.Core.Images.Sha256Digest.OfFile(path);
    }

    /// <summary>Debian's busybox with its applets and an /etc of the image's own (<see cref="Layers.Busybox"/>).</summary>
    public static byte[] Layer(params Action<TarWriter>[] extra) => Layers.Busybox(extra);
}
