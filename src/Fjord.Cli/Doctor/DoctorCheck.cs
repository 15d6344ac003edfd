namespace Fjord.Cli.Doctor;

/// <summary>One line of `fjord doctor`: what was checked, how it went, and for a failure what to do.</summary>
internal sealed record DoctorCheck(string Name, bool Ok, string Detail, string? Fix = null)
{
    public static DoctorCheck Pass(string name, string detail) => new(name, true, detail);

    public static DoctorCheck Fail(string name, string detail, string fix) => new(name, false, detail, fix);

    public string Line => $"{(Ok ? "ok  " : "FAIL")}  {Name,-15} {Detail}{(Fix is null ? "" : $"; fix: {Fix}")}";
}
