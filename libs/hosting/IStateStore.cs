namespace GenAiRouter.Hosting;

/// <summary>
/// A key/value store with expiry and optimistic concurrency: a Dapr state store, or in standalone process
/// memory (volatile) or a SQLite file (durable). Obtained by name with <c>[FromKeyedServices(name)]</c>.
/// </summary>
public interface IStateStore
{
    Task<byte[]?> GetAsync(string key, CancellationToken cancellationToken);

    /// <param name="timeToLive">Null keeps the entry until it is deleted.</param>
    Task SetAsync(string key, ReadOnlyMemory<byte> value, TimeSpan? timeToLive, CancellationToken cancellationToken);

    Task DeleteAsync(string key, CancellationToken cancellationToken);

    /// <summary>The value with the ETag to pass to <see cref="TrySetAsync"/>; null when absent.</summary>
    Task<StateEntry?> GetEntryAsync(string key, CancellationToken cancellationToken);

    /// <summary>
    /// Writes only if the entry is still as it was read: <paramref name="etag"/> from <see cref="GetEntryAsync"/>,
    /// or null for "only if absent". False when another writer came first; read again and retry.
    /// </summary>
    Task<bool> TrySetAsync(string key, ReadOnlyMemory<byte> value, string? etag, CancellationToken cancellationToken);
}

public sealed record StateEntry(byte[] Value, string ETag);

/// <summary>Whether a standalone store must survive a restart (a SQLite file) or may live in memory.</summary>
public enum StateDurability
{
    Volatile,
    Durable,
}
