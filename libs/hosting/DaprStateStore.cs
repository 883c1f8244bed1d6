using System.Globalization;
using Dapr.Client;

namespace GenAiRouter.Hosting;

/// <summary>The Dapr topology's state store, through the sidecar.</summary>
public sealed class DaprStateStore(DaprClient dapr, string storeName) : IStateStore
{
    public Task<byte[]?> GetAsync(string key, CancellationToken cancellationToken) =>
        dapr.GetStateAsync<byte[]?>(storeName, key, cancellationToken: cancellationToken);

    public Task SetAsync(string key, ReadOnlyMemory<byte> value, TimeSpan? timeToLive, CancellationToken cancellationToken)
    {
        // Dapr state stores take expiry as the ttlInSeconds metadata entry.
        var metadata = timeToLive is { } ttl
            ? new Dictionary<string, string> { ["ttlInSeconds"] = ((long)Math.Ceiling(ttl.TotalSeconds)).ToString(CultureInfo.InvariantCulture) }
            : null;
        return dapr.SaveStateAsync(storeName, key, value.ToArray(), metadata: metadata, cancellationToken: cancellationToken);
    }

    public Task DeleteAsync(string key, CancellationToken cancellationToken) =>
        dapr.DeleteStateAsync(storeName, key, cancellationToken: cancellationToken);
}
