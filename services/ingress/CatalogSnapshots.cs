using GenAiRouter.Contracts.V1;
using Grpc.Core;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace GenAiRouter.Ingress;

/// <summary>
/// Ingress's local copy of the catalog, kept current by the catalog's snapshot stream, so that routing a
/// request costs no call to the catalog. Reconnects when the stream ends (a catalog replica restarting).
/// </summary>
public sealed partial class CatalogSnapshots(Contracts.V1.Catalog.CatalogClient catalog, ILogger<CatalogSnapshots> logger) : BackgroundService, IHealthCheck
{
    private CatalogSnapshot? _current;

    /// <summary>The newest snapshot, or null before the first arrived.</summary>
    public CatalogSnapshot? Current => Volatile.Read(ref _current);

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(Current is { } snapshot
            ? HealthCheckResult.Healthy($"catalog version {snapshot.Version}")
            : HealthCheckResult.Unhealthy("no catalog snapshot yet"));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                using var watch = catalog.WatchSnapshots(new GetSnapshotRequest(), cancellationToken: stoppingToken);
                await foreach (var snapshot in watch.ResponseStream.ReadAllAsync(stoppingToken))
                {
                    Volatile.Write(ref _current, snapshot);
                    SnapshotReceived(logger, snapshot.Version, snapshot.Groups.Count);
                }
            }
            catch (RpcException e) when (!stoppingToken.IsCancellationRequested)
            {
                WatchInterrupted(logger, e.StatusCode);
            }
            catch (Exception e) when (e is OperationCanceledException or RpcException && stoppingToken.IsCancellationRequested)
            {
                // Shutting down: the stream was cancelled on purpose (gRPC reports that as an RpcException).
                return;
            }
            await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Routing from catalog version {CatalogVersion} ({GroupCount} groups)")]
    private static partial void SnapshotReceived(ILogger logger, long catalogVersion, int groupCount);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Catalog snapshot stream interrupted ({StatusCode}); reconnecting")]
    private static partial void WatchInterrupted(ILogger logger, StatusCode statusCode);
}
