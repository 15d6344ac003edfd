using Fjord.Cli.Tests.Support;
using static Fjord.Cli.Tests.Support.Programs;

namespace Fjord.Cli.Tests.Packaging;

/// <summary>
/// scripts/package-deb.sh builds a .deb that dpkg installs into a clean root (<c>dpkg --root</c>,
/// maintainer scripts run chrootless with DPKG_ROOT): files, the fjord system user, modes and
/// ownership, and <c>systemd-analyze verify</c> on the installed units. The binary inside is a
/// stand-in that answers --version (building the real single-file binary takes minutes here:
/// scripts/publish.sh and bench/startup.sh exercise that one).
/// </summary>
public sealed class DebPackageTests
{
    [Fact]
    public async Task Deb_InstallsIntoACleanRoot_WithUserModesAndVerifiedUnits()
    {
        Assert.True(Environment.IsPrivilegedProcess, "dpkg --root sets owners: run the tests as root (CI does)");
        using var dir = new TempFolder();
        var stub = dir.Write("fjord", "#!/bin/sh\necho 'fjord 9.8.7 (commit test)'\n", UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var deb = (await RunAsync("bash", Path.Combine(RepoRoot, "scripts", "package-deb.sh"), "--binary", stub, "--out", Path.Combine(dir.Path, "out"))).Trim();
        Assert.Equal(Path.Combine(dir.Path, "out", "fjord_9.8.7_amd64.deb"), deb);

        var root = Path.Combine(dir.Path, "root");
        foreach (var folder in new[] { "var/lib/dpkg/info", "var/lib/dpkg/updates", "etc" })
            Directory.CreateDirectory(Path.Combine(root, folder));
        File.WriteAllText(Path.Combine(root, "var/lib/dpkg/status"), "");
        File.WriteAllText(Path.Combine(root, "etc/passwd"), "root:x:0:0:root:/root:/bin/bash\n");
        File.WriteAllText(Path.Combine(root, "etc/group"), "root:x:0:\n");
        File.WriteAllText(Path.Combine(root, "etc/shadow"), "root:*:19000:0:99999:7:::\n");
        File.WriteAllText(Path.Combine(root, "etc/gshadow"), "root:*::\n");

        await RunAsync("dpkg", $"--root={root}", "--force-script-chrootless", "--force-depends", "--log=/dev/null", "-i", deb);

        var user = File.ReadAllLines(Path.Combine(root, "etc/passwd")).Single(l => l.StartsWith("fjord:", StringComparison.Ordinal)).Split(':');
        var uid = int.Parse(user[2], System.Globalization.CultureInfo.InvariantCulture);
        var gid = int.Parse(user[3], System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(uid, 1, 999);
        Assert.Equal(["/var/lib/fjord", "/usr/sbin/nologin"], user[5..7]);
        Assert.Contains(File.ReadAllLines(Path.Combine(root, "etc/group")), l => l == $"fjord:x:{gid}:");

        AssertFile(root, "usr/bin/fjord", "755", 0, 0);
        AssertFile(root, "etc/fjord/fjord.yml", "644", 0, 0);
        AssertFile(root, "etc/fjord/fjord.env", "640", 0, gid);
        AssertFile(root, "var/lib/fjord", "700", uid, gid);
        Assert.Contains("functions: {}", File.ReadAllText(Path.Combine(root, "etc/fjord/fjord.yml")), StringComparison.Ordinal);
        Assert.Equal("fjord 9.8.7 (commit test)\n", await RunAsync(Path.Combine(root, "usr/bin/fjord"), "--version"));

        var units = new[] { "fjord.service", "fjord-gateway.service", "fjord-worker@.service" }.Select(u => Path.Combine(root, "lib/systemd/system", u)).ToArray();
        foreach (var unit in units)
        {
            AssertFile(root, Path.GetRelativePath(root, unit), "644", 0, 0);
            var text = File.ReadAllText(unit);
            foreach (var line in new[] { "Restart=always", "KillSignal=SIGTERM", "TimeoutStopSec=30s", "User=fjord", "NoNewPrivileges=yes", "ProtectSystem=strict" })
                Assert.Contains("\n" + line + "\n", text, StringComparison.Ordinal);
        }
        Assert.Contains("\nDelegate=yes\n", File.ReadAllText(units[0]), StringComparison.Ordinal);
        Assert.Contains("\nDelegate=yes\n", File.ReadAllText(units[2]), StringComparison.Ordinal);
        Assert.DoesNotContain("\nRestrictNamespaces=", File.ReadAllText(units[0]), StringComparison.Ordinal);

        // verify resolves the units' dependencies (sysinit.target, ...) inside the root: lend it the host's.
        foreach (var file in Directory.EnumerateFiles("/lib/systemd/system").Where(f => f.EndsWith(".target", StringComparison.Ordinal) || f.EndsWith(".slice", StringComparison.Ordinal)))
            File.Copy(file, Path.Combine(root, "lib/systemd/system", Path.GetFileName(file)), overwrite: false);
        var (code, output, error) = await RunRawAsync("systemd-analyze", ["verify", $"--root={root}", .. units]);
        Assert.True(code == 0 && output.Length + error.Length == 0, output + error);
    }

    private static void AssertFile(string root, string relative, string mode, int uid, int gid)
    {
        var stat = RunAsync("stat", "-c", "%a %u %g", Path.Combine(root, relative)).GetAwaiter().GetResult().Trim();
        Assert.Equal($"{mode} {uid} {gid}", stat);
    }
}
