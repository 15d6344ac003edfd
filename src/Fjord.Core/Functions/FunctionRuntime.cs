namespace Fjord.Core.Functions;

/// <summary>What a function is written in; decides how its process is started.</summary>
public enum FunctionRuntime
{
    Exec,
    Python,
    Node,
    Php,
}

/// <summary>Warm: one long-lived process per pool slot runs job after job. Fork: one process per job.</summary>
public enum RunMode
{
    Fork,
    Warm,
}
