// Each scenario owns the machine: it kills, stops and starves processes and fills a disk, so two
// scenarios running side by side would measure each other's faults.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace Fjord.Faults.Tests;

[CollectionDefinition("faults", DisableParallelization = true)]
public sealed class FaultsCollection;
