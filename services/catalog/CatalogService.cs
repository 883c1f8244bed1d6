using GenAiRouter.Contracts.V1;
using Grpc.Core;

namespace GenAiRouter.Catalog;

/// <summary>Serves catalog snapshots to ingress.</summary>
public sealed class CatalogService(CatalogState state) : Contracts.V1.Catalog.CatalogBase
{
    public override Task<CatalogSnapshot> GetSnapshot(GetSnapshotRequest request, ServerCallContext context) =>
        Task.FromResult(state.Current);
}
