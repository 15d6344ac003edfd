// Fjord runs function processes on Linux only (bubblewrap, cgroups); the tests use unix file modes.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
