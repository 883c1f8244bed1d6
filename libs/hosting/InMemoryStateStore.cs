using System.Collections.Concurrent;

namespace GenAiRouter.Hosting;

/// <summary>The standalone state store: process memory, entries expire lazily on read.</summary>
public sealed class InMemoryStateStore(TimeProvider time) : IStateStore
{
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    public Task<byte[]?> GetAsync(string key, CancellationToken cancellationToken)
    {
        if (!_entries.TryGetValue(key, out var entry))
        {
            return Task.FromResult<byte[]?>(null);
        }
        if (entry.ExpiresAt <= time.GetUtcNow())
        {
            _entries.TryRemove(new KeyValuePair<string, Entry>(key, entry));
            return Task.FromResult<byte[]?>(null);
        }
        return Task.FromResult<byte[]?>(entry.Value);
    }

    public Task SetAsync(string key, ReadOnlyMemory<byte> value, TimeSpan? timeToLive, CancellationToken cancellationToken)
    {
        var expiresAt = timeToLive is { } ttl ? time.GetUtcNow() + ttl : DateTimeOffset.MaxValue;
        _entries[key] = new Entry(value.ToArray(), expiresAt);
        return Task.CompletedTask;
    }

    public Task DeleteAsync(string key, CancellationToken cancellationToken)
    {
        _entries.TryRemove(key, out _);
        return Task.CompletedTask;
    }

    private sealed record Entry(byte[] Value, DateTimeOffset ExpiresAt);
}
