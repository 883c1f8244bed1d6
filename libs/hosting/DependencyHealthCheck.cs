using Grpc.Core;
using Grpc.Health.V1;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;

namespace GenAiRouter.Hosting;

/// <summary>
/// Readiness of a service this one calls, asked through the gRPC health protocol. When it is not serving, this check
/// reports its registration's failure status: unhealthy for a dependency the service cannot serve without, degraded
/// (still ready, and saying so) for one it can.
/// </summary>
public sealed class DependencyHealthCheck(IServiceProvider services, string appId) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var health = services.GetRouterGrpcClient<Health.HealthClient>(appId);
            var reply = await health.CheckAsync(new HealthCheckRequest(), deadline: DateTime.UtcNow.AddSeconds(2), cancellationToken: cancellationToken);
            return reply.Status == HealthCheckResponse.Types.ServingStatus.Serving
                ? HealthCheckResult.Healthy()
                : new HealthCheckResult(context.Registration.FailureStatus, $"{appId} is {reply.Status}");
        }
        catch (RpcException e)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, $"{appId} unreachable ({e.StatusCode})");
        }
    }
}

public static class DependencyHealthCheckExtensions
{
    /// <summary>
    /// This service is ready only while <paramref name="appId"/> is; or, with <paramref name="gatesReadiness"/> false,
    /// ready regardless, with <c>/readyz</c> saying it is degraded while <paramref name="appId"/> is not serving.
    /// </summary>
    public static IHostApplicationBuilder AddServiceDependency(this IHostApplicationBuilder builder, string appId, bool gatesReadiness = true)
    {
        builder.AddRouterGrpcClient<Health.HealthClient>(appId);
        builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(
            appId, services => new DependencyHealthCheck(services, appId), gatesReadiness ? HealthStatus.Unhealthy : HealthStatus.Degraded, [ServiceDefaults.ReadyTag]));
        return builder;
    }
}
