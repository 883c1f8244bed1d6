using System.Globalization;
using Dapr.Client;

namespace GenAiRouter.Hosting;

/// <summary>The Dapr topology's state store, through the sidecar.</summary>
public sealed class DaprStateStore(DaprClient dapr, string storeName) : IStateStore
{
    private static readonly StateOptions FirstWrite = new() { Concurrency = ConcurrencyMode.FirstWrite };

    public Task<byte[]?> GetAsync(string key, CancellationToken cancellationToken) =>
        dapr.GetStateAsync<byte[]?>(storeName, key, cancellationToken: cancellationToken);

    public async Task<StateEntry?> GetEntryAsync(string key, CancellationToken cancellationToken)
    {
        var (value, etag) = await dapr.GetStateAndETagAsync<byte[]?>(storeName, key, cancellationToken: cancellationToken);
        return value is null ? null : new StateEntry(value, etag);
    }

    public Task SetAsync(string key, ReadOnlyMemory<byte> value, TimeSpan? timeToLive, CancellationToken cancellationToken)
    {
        // Dapr state stores take expiry as the ttlInSeconds metadata entry.
        var metadata = timeToLive is { } ttl
            ? new Dictionary<string, string> { ["ttlInSeconds"] = ((long)Math.Ceiling(ttl.TotalSeconds)).ToString(CultureInfo.InvariantCulture) }
            : null;
        return dapr.SaveStateAsync(storeName, key, value.ToArray(), metadata: metadata, cancellationToken: cancellationToken);
    }

    public async Task<bool> TrySetAsync(string key, ReadOnlyMemory<byte> value, string? etag, CancellationToken cancellationToken)
    {
        if (etag is null)
        {
            // Dapr has no portable "create only if absent"; an empty ETag with first-write concurrency is
            // refused by stores that support it when the key exists, and a fresh read narrows the window elsewhere.
            if (await GetEntryAsync(key, cancellationToken) is not null)
            {
                return false;
            }
            etag = "";
        }
        return await dapr.TrySaveStateAsync(storeName, key, value.ToArray(), etag, FirstWrite, cancellationToken: cancellationToken);
    }

    public Task DeleteAsync(string key, CancellationToken cancellationToken) =>
        dapr.DeleteStateAsync(storeName, key, cancellationToken: cancellationToken);
}
