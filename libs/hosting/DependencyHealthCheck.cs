using Grpc.Core;
using Grpc.Health.V1;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;

namespace GenAiRouter.Hosting;

/// <summary>Readiness of a service this one calls, asked through the gRPC health protocol.</summary>
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
                : HealthCheckResult.Unhealthy($"{appId} is {reply.Status}");
        }
        catch (RpcException e)
        {
            return HealthCheckResult.Unhealthy($"{appId} unreachable ({e.StatusCode})");
        }
    }
}

public static class DependencyHealthCheckExtensions
{
    /// <summary>This service is ready only while <paramref name="appId"/> is.</summary>
    public static IHostApplicationBuilder AddServiceDependency(this IHostApplicationBuilder builder, string appId)
    {
        builder.AddRouterGrpcClient<Health.HealthClient>(appId);
        builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(
            appId, services => new DependencyHealthCheck(services, appId), HealthStatus.Unhealthy, [ServiceDefaults.ReadyTag]));
        return builder;
    }
}
