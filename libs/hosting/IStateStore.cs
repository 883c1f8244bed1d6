namespace GenAiRouter.Hosting;

/// <summary>A key/value store with expiry: the Dapr state store, or process memory in standalone.</summary>
public interface IStateStore
{
    Task<byte[]?> GetAsync(string key, CancellationToken cancellationToken);

    /// <param name="timeToLive">Null keeps the entry until it is deleted.</param>
    Task SetAsync(string key, ReadOnlyMemory<byte> value, TimeSpan? timeToLive, CancellationToken cancellationToken);

    Task DeleteAsync(string key, CancellationToken cancellationToken);
}
