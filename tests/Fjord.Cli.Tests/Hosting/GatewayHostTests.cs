using Microsoft.Extensions.Configuration;

namespace Fjord.Cli.Tests.Hosting;

public sealed class GatewayHostTests
{
    /// <summary>
    /// A file source that reloads on change puts a recursive watch on the working folder, which
    /// holds the data folder by default: every commit would wake the watcher thread.
    /// </summary>
    [Fact]
    public void Builder_WatchesNoConfigurationFile()
    {
        var builder = GatewayHost.NewBuilder();

        var files = ((IConfigurationBuilder)builder.Configuration).Sources.OfType<FileConfigurationSource>().ToList();

        Assert.NotEmpty(files);
        Assert.All(files, source => Assert.False(source.ReloadOnChange, $"{source.Path} reloads on change"));
    }
}
