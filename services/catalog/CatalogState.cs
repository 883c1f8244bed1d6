using GenAiRouter.Contracts.V1;
using GenAiRouter.Hosting;
using GenAiRouter.RouterConfig;

namespace GenAiRouter.Catalog;

/// <summary>
/// The current catalog snapshot, built from the router configuration file named by <c>ROUTER_CONFIG</c>.
/// Loaded when the service starts, so a bad file stops start-up with its problems.
/// </summary>
public sealed class CatalogState(IConfiguration configuration) : IHostedService
{
    private CatalogSnapshot? _current;

    public CatalogSnapshot Current => _current ?? throw new InvalidOperationException("the catalog is read before the service started");

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var path = configuration["ROUTER_CONFIG"];
        if (string.IsNullOrEmpty(path))
        {
            throw new StartupException("ROUTER_CONFIG must name the router configuration file");
        }
        _current = CatalogSnapshotBuilder.Build(RouterConfigLoader.Load(path), version: 1);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
