using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace GenAiRouter.Catalog;

/// <summary>Ready once a valid snapshot is loaded.</summary>
public sealed class CatalogLoadedCheck(CatalogState state) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(HealthCheckResult.Healthy($"catalog version {state.Current.Version}"));
}
