namespace Fjord.Cli.Doctor;

/// <summary>
/// One line of `fjord doctor`: what was checked, how it went, and for a failure what to do.
/// <see cref="Blocks"/> says whether a failure stops a node's start or only warns there (low free
/// disk: a node on a small disk still serves, and a disk that fills up is a state the store handles
/// with 503s). `fjord doctor` itself fails on either.
/// </summary>
internal sealed record DoctorCheck(string Name, bool Ok, string Detail, string? Fix = null, bool Blocks = true)
{
    public static DoctorCheck Pass(string name, string detail) => new(name, true, detail);

    public static DoctorCheck Fail(string name, string detail, string fix) => new(name, false, detail, fix);

    /// <summary>A failure a node starts with anyway, logging it as a warning.</summary>
    public static DoctorCheck Warn(string name, string detail, string fix) => new(name, false, detail, fix, Blocks: false);

    public string Line => $"{(Ok ? "ok  " : "FAIL")}  {Name,-15} {Detail}{(Fix is null ? "" : $"; fix: {Fix}")}{(Ok || Blocks ? "" : " (a node still starts)")}";
}
