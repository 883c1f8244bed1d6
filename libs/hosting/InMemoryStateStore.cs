using System.Collections.Concurrent;
using System.Globalization;

namespace GenAiRouter.Hosting;

/// <summary>
/// The standalone volatile state store: process memory. Entries expire on read, and every few thousand writes
/// expired entries nobody reads again are swept, so a cache of one-off answers does not grow without end.
/// </summary>
public sealed class InMemoryStateStore(TimeProvider time) : IStateStore
{
    private const int WritesPerSweep = 4096;
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private long _version;

    public Task<byte[]?> GetAsync(string key, CancellationToken cancellationToken) =>
        Task.FromResult(Live(key)?.Value);

    public Task<StateEntry?> GetEntryAsync(string key, CancellationToken cancellationToken) =>
        Task.FromResult(Live(key) is { } entry ? new StateEntry(entry.Value, entry.Version.ToString(CultureInfo.InvariantCulture)) : null);

    public Task SetAsync(string key, ReadOnlyMemory<byte> value, TimeSpan? timeToLive, CancellationToken cancellationToken)
    {
        _entries[key] = NewEntry(value, timeToLive);
        return Task.CompletedTask;
    }

    public Task<bool> TrySetAsync(string key, ReadOnlyMemory<byte> value, string? etag, CancellationToken cancellationToken)
    {
        var replacement = NewEntry(value, null);
        if (etag is null)
        {
            // Live() drops an expired entry, so an expired key counts as absent.
            return Task.FromResult(Live(key) is null && _entries.TryAdd(key, replacement));
        }
        return Task.FromResult(
            _entries.TryGetValue(key, out var existing)
            && !IsExpired(existing)
            && existing.Version.ToString(CultureInfo.InvariantCulture) == etag
            && _entries.TryUpdate(key, replacement, existing));
    }

    public Task DeleteAsync(string key, CancellationToken cancellationToken)
    {
        _entries.TryRemove(key, out _);
        return Task.CompletedTask;
    }

    private Entry? Live(string key)
    {
        if (!_entries.TryGetValue(key, out var entry))
        {
            return null;
        }
        if (IsExpired(entry))
        {
            _entries.TryRemove(new KeyValuePair<string, Entry>(key, entry));
            return null;
        }
        return entry;
    }

    private bool IsExpired(Entry entry) => entry.ExpiresAt <= time.GetUtcNow();

    private Entry NewEntry(ReadOnlyMemory<byte> value, TimeSpan? timeToLive)
    {
        var version = Interlocked.Increment(ref _version);
        if (version % WritesPerSweep == 0)
        {
            SweepExpired();
        }
        return new(value.ToArray(), timeToLive is { } ttl ? time.GetUtcNow() + ttl : DateTimeOffset.MaxValue, version);
    }

    private void SweepExpired()
    {
        foreach (var pair in _entries)
        {
            if (IsExpired(pair.Value))
            {
                _entries.TryRemove(pair);
            }
        }
    }

    private sealed record Entry(byte[] Value, DateTimeOffset ExpiresAt, long Version);
}
