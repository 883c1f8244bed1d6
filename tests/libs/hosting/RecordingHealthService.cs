using Grpc.Core;
using Grpc.Health.V1;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace GenAiRouter.Hosting.Tests;

/// <summary>A gRPC health endpoint whose answer the test sets, recording the metadata each call carried.</summary>
public sealed class RecordingHealthService : Health.HealthBase
{
    public HealthCheckResponse.Types.ServingStatus Status { get; set; } = HealthCheckResponse.Types.ServingStatus.Serving;

    public List<string?> AppIds { get; } = [];

    public override Task<HealthCheckResponse> Check(HealthCheckRequest request, ServerCallContext context)
    {
        lock (AppIds)
        {
            AppIds.Add(context.RequestHeaders.GetValue("dapr-app-id"));
        }
        return Task.FromResult(new HealthCheckResponse { Status = Status });
    }

    public static async Task<(Loopback Server, RecordingHealthService Health)> StartAsync()
    {
        var health = new RecordingHealthService();
        var server = await Loopback.StartAsync(http2: true,
            b => b.Services.AddGrpc().Services.AddSingleton(health),
            app => app.MapGrpcService<RecordingHealthService>());
        return (server, health);
    }
}
