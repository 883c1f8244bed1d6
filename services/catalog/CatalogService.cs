using GenAiRouter.Contracts.V1;
using Grpc.Core;

namespace GenAiRouter.Catalog;

/// <summary>Serves catalog snapshots to ingress, which routes from its local copy.</summary>
public sealed class CatalogService(CatalogState state, IHostApplicationLifetime lifetime) : Contracts.V1.Catalog.CatalogBase
{
    public override Task<CatalogSnapshot> GetSnapshot(GetSnapshotRequest request, ServerCallContext context) =>
        Task.FromResult(state.Current);

    public override async Task WatchSnapshots(GetSnapshotRequest request, IServerStreamWriter<CatalogSnapshot> responseStream, ServerCallContext context)
    {
        // End the stream when this replica shuts down too, so it does not hold up a graceful stop;
        // watchers reconnect (to another replica in Kubernetes).
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, lifetime.ApplicationStopping);
        var sent = 0L;
        try
        {
            while (true)
            {
                var current = state.Current;
                await responseStream.WriteAsync(current, stop.Token);
                sent = current.Version;
                await state.WaitForNewerAsync(sent, stop.Token);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
    }
}
