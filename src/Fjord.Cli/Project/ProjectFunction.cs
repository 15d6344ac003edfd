using Fjord.Core.Functions;

namespace Fjord.Cli.Project;

/// <summary>
/// One function of a fjord.yml after the path rules of CONTRACT §2: <see cref="Folder"/> is the
/// absolute folder to bundle (null for an exec function that runs a host program), and
/// <see cref="Document"/> is the wire form to PUT, its handler relative to that folder and
/// without the client-only <c>path</c>. <see cref="ImagePath"/> is the absolute path of the
/// function's image archive (<c>image:</c>), whose digest `fjord deploy` puts in the document.
/// </summary>
internal sealed record ProjectFunction(string Name, FunctionDocument Document, string? Folder, FunctionSpec Spec, string? ImagePath = null);
