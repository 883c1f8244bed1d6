using GenAiRouter.Contracts.V1;
using Grpc.Core;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.DependencyInjection;
using GenAiRouter.Hosting;
using Microsoft.Extensions.Logging;

namespace GenAiRouter.Routing;

/// <summary>
/// A service's local copy of the catalog, kept current by the catalog's snapshot stream, so that routing a request
/// (ingress) or resolving a target (the bridge) costs no call to the catalog. Reconnects when the stream ends (a
/// catalog replica restarting); meanwhile the last snapshot keeps serving, so a catalog outage costs no requests.
/// </summary>
public sealed partial class CatalogSnapshots(Contracts.V1.Catalog.CatalogClient catalog, ILogger<CatalogSnapshots> logger) : BackgroundService, IHealthCheck
{
    private CatalogSnapshot? _current;

    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The newest snapshot, or null before the first arrived.</summary>
    public CatalogSnapshot? Current => Volatile.Read(ref _current);

    /// <summary>
    /// The target <paramref name="target"/> of group <paramref name="group"/>, from a snapshot at least as new as
    /// <paramref name="version"/> when one arrives within <paramref name="wait"/> (a reload reaches every replica within
    /// moments of each other); null when no such target exists.
    /// </summary>
    public async Task<(Target? Target, CatalogSnapshot? Snapshot)> FindAsync(string group, string target, long version, TimeSpan wait, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(wait);
        while (Current is not { } snapshot || snapshot.Version < version)
        {
            try
            {
                await Volatile.Read(ref _changed).Task.WaitAsync(deadline.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                break;
            }
        }
        var current = Current;
        var found = current?.Groups.FirstOrDefault(g => g.Name == group)?.Targets.FirstOrDefault(t => t.Name == target);
        return (found, current);
    }

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
                    Interlocked.Exchange(ref _changed, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
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

public static class CatalogSnapshotsExtensions
{
    /// <summary>
    /// A local catalog snapshot kept current from the catalog service. The service is ready once the first snapshot
    /// arrived; a catalog outage after that costs nothing but reloads, so it does not make the service unready.
    /// </summary>
    public static IHostApplicationBuilder AddCatalogSnapshots(this IHostApplicationBuilder builder)
    {
        builder.AddRouterGrpcClient<Contracts.V1.Catalog.CatalogClient>(Hosting.RouterApps.Catalog);
        builder.Services.AddSingleton<CatalogSnapshots>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<CatalogSnapshots>());
        builder.Services.AddHealthChecks().AddCheck<CatalogSnapshots>("catalog-snapshot", tags: [Hosting.ServiceDefaults.ReadyTag]);
        return builder;
    }
}
