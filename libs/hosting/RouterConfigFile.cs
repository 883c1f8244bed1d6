using Microsoft.Extensions.Configuration;

namespace GenAiRouter.Hosting;

/// <summary>The router configuration file named by <c>ROUTER_CONFIG</c> (a ConfigMap in Kubernetes).</summary>
public static class RouterConfigFile
{
    public static string Path(IConfiguration configuration) =>
        configuration["ROUTER_CONFIG"] is { Length: > 0 } path
            ? path
            : throw new StartupException("ROUTER_CONFIG must name the router configuration file");

    /// <summary>Loads and validates it; problems surface as one start-up line naming the file.</summary>
    public static RouterConfig.RouterConfig Load(IConfiguration configuration) => RouterConfig.RouterConfigLoader.Load(Path(configuration));
}
