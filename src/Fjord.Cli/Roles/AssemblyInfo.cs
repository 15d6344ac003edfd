using System.Runtime.CompilerServices;

// The multi-node tests start roles through a tiny host until `fjord gateway|worker` is wired.
[assembly: InternalsVisibleTo("Fjord.Cluster.Tests")]
[assembly: InternalsVisibleTo("Fjord.Cluster.NodeHost")]
