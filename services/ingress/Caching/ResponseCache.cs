using System.Buffers;
using System.Diagnostics.Metrics;
using System.Text.Json;
using GenAiRouter.Hosting;

namespace GenAiRouter.Ingress.Caching;

public enum CacheLookup
{
    Hit,
    Miss,
    /// <summary>The store failed or was too slow: the request bypasses the cache.</summary>
    Unavailable,
}

/// <summary>
/// Cached final responses in the <c>cache</c> state store (Dapr state store, Redis or process memory). The cache
/// is a help, never a dependency: a store that is slow or down turns lookups into bypasses, logged and counted,
/// and the request goes to its target as if there were no cache.
/// </summary>
public sealed partial class ResponseCache(
    [FromKeyedServices(ResponseCache.StoreName)] IStateStore store,
    IMeterFactory meters,
    ILogger<ResponseCache> logger)
{
    public const string StoreName = "cache";
    private static readonly TimeSpan LookupTimeout = TimeSpan.FromMilliseconds(300);
    private static readonly TimeSpan SaveTimeout = TimeSpan.FromSeconds(2);

    private readonly Counter<long> _lookups = meters.Create("GenAiRouter.Ingress").CreateCounter<long>("router.cache.lookups", description: "Response cache outcomes by result (hit, miss, bypass)");
    private readonly Counter<long> _storeErrors = meters.Create("GenAiRouter.Ingress").CreateCounter<long>("router.cache.store_errors", description: "Cache reads and writes the state store failed");

    /// <returns>Hit with the cached response JSON; Miss; or Unavailable when the store did not answer in time.</returns>
    public async Task<(CacheLookup Result, byte[]? Response)> LookupAsync(string key, string project, string env, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(LookupTimeout);
        byte[]? entry;
        try
        {
            entry = await store.GetAsync(key, timeout.Token);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            StoreFailed("read", e);
            return (CacheLookup.Unavailable, null);
        }
        return entry is not null && Unwrap(entry, project, env) is { } response ? (CacheLookup.Hit, response) : (CacheLookup.Miss, null);
    }

    /// <summary>Keeps a completed response for <paramref name="timeToLive"/>; a failure costs only the next hit.</summary>
    public async Task SaveAsync(string key, string project, string env, ReadOnlyMemory<byte> response, TimeSpan timeToLive)
    {
        using var timeout = new CancellationTokenSource(SaveTimeout);
        try
        {
            await store.SetAsync(key, Wrap(project, env, response.Span), timeToLive, timeout.Token);
        }
        catch (Exception e)
        {
            StoreFailed("write", e);
        }
    }

    /// <summary>Counts what the cache did for one request (hit, miss, or bypass and why).</summary>
    public void Count(string result, string reason = "") =>
        _lookups.Add(1, new KeyValuePair<string, object?>("result", result), new KeyValuePair<string, object?>("reason", reason));

    // The entry names its tenant as well, so even a colliding or planted key cannot hand one tenant another's answer.
    private static byte[] Wrap(string project, string env, ReadOnlySpan<byte> response)
    {
        var buffer = new ArrayBufferWriter<byte>(response.Length + 64);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("project", project);
            writer.WriteString("env", env);
            writer.WritePropertyName("response");
            writer.WriteRawValue(response, skipInputValidation: true);
            writer.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    private byte[]? Unwrap(byte[] entry, string project, string env)
    {
        try
        {
            using var document = JsonDocument.Parse(entry);
            var root = document.RootElement;
            if (root.GetProperty("project").GetString() != project || root.GetProperty("env").GetString() != env)
            {
                ForeignEntry(logger);
                return null;
            }
            // The raw text: the bytes the upstream sent, not a re-serialisation.
            return System.Text.Encoding.UTF8.GetBytes(root.GetProperty("response").GetRawText());
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            StoreFailed("decode", e);
            return null;
        }
    }

    private void StoreFailed(string operation, Exception e)
    {
        _storeErrors.Add(1, new KeyValuePair<string, object?>("operation", operation));
        CacheStoreFailed(logger, operation, e.GetType().Name);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Response cache {Operation} failed ({ErrorType}); the request goes on without the cache")]
    private static partial void CacheStoreFailed(ILogger logger, string operation, string errorType);

    [LoggerMessage(Level = LogLevel.Error, Message = "A response cache entry names another tenant; ignored")]
    private static partial void ForeignEntry(ILogger logger);
}
