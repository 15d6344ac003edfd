namespace Fjord.Gateway.Auth;

/// <summary>What a key may do. <see cref="Admin"/> includes every other scope.</summary>
[Flags]
internal enum Scope
{
    None = 0,
    Read = 1,
    Invoke = 2,
    Deploy = 4,
    Admin = 8 | Read | Invoke | Deploy,
}

internal static class Scopes
{
    public static Scope Parse(IReadOnlyList<string> names)
    {
        var scope = Scope.None;
        for (var i = 0; i < names.Count; i++)
        {
            scope |= names[i].ToUpperInvariant() switch
            {
                "READ" => Scope.Read,
                "INVOKE" => Scope.Invoke,
                "DEPLOY" => Scope.Deploy,
                "ADMIN" => Scope.Admin,
                _ => Scope.None,
            };
        }
        return scope;
    }

    public static string Name(Scope scope) => scope switch
    {
        Scope.Read => "read",
        Scope.Invoke => "invoke",
        Scope.Deploy => "deploy",
        _ => "admin",
    };
}
