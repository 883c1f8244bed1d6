using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace GenAiRouter.Hosting;

/// <summary>Ready only while the named state store answers a read.</summary>
public sealed class StateStoreHealthCheck(IStateStore store, string name) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await store.GetAsync("health:probe", cancellationToken);
            return HealthCheckResult.Healthy();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy($"state store '{name}' did not answer: {e.GetType().Name}");
        }
    }
}
