using StackExchange.Redis;

namespace GenAiRouter.Hosting;

/// <summary>
/// A standalone state store in a Redis server. Each entry is a hash of its value and a version (the ETag), as
/// Dapr's Redis state store keeps them; compare-and-set runs as one script on the server, so it is atomic.
/// Keys are prefixed with the store's name so several stores share one Redis.
/// </summary>
public sealed class RedisStateStore(IConnectionMultiplexer redis, string name) : IStateStore
{
    private static readonly RedisValue DataField = "data";
    private static readonly RedisValue VersionField = "version";

    // KEYS[1] entry; ARGV[1] value, ARGV[2] ttl in ms (0: none).
    private const string SetScript = """
        redis.call('HSET', KEYS[1], 'data', ARGV[1])
        redis.call('HINCRBY', KEYS[1], 'version', 1)
        if tonumber(ARGV[2]) > 0 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) else redis.call('PERSIST', KEYS[1]) end
        return 1
        """;

    // KEYS[1] entry; ARGV[1] value, ARGV[2] expected version ('' = only if absent).
    private const string CompareAndSetScript = """
        local current = redis.call('HGET', KEYS[1], 'version')
        if ARGV[2] == '' then
          if current then return 0 end
        elseif current ~= ARGV[2] then
          return 0
        end
        redis.call('HSET', KEYS[1], 'data', ARGV[1])
        redis.call('HINCRBY', KEYS[1], 'version', 1)
        redis.call('PERSIST', KEYS[1])
        return 1
        """;

    private IDatabase Db => redis.GetDatabase();

    public async Task<byte[]?> GetAsync(string key, CancellationToken cancellationToken)
    {
        var value = await Db.HashGetAsync(Key(key), DataField).WaitAsync(cancellationToken);
        return value.IsNull ? null : (byte[])value!;
    }

    public async Task<StateEntry?> GetEntryAsync(string key, CancellationToken cancellationToken)
    {
        var values = await Db.HashGetAsync(Key(key), [DataField, VersionField]).WaitAsync(cancellationToken);
        return values[0].IsNull ? null : new StateEntry((byte[])values[0]!, values[1].ToString());
    }

    public Task SetAsync(string key, ReadOnlyMemory<byte> value, TimeSpan? timeToLive, CancellationToken cancellationToken) =>
        Db.ScriptEvaluateAsync(SetScript, [Key(key)], [value, (long)(timeToLive?.TotalMilliseconds ?? 0)]).WaitAsync(cancellationToken);

    public async Task<bool> TrySetAsync(string key, ReadOnlyMemory<byte> value, string? etag, CancellationToken cancellationToken)
    {
        var result = await Db.ScriptEvaluateAsync(CompareAndSetScript, [Key(key)], [value, etag ?? ""]).WaitAsync(cancellationToken);
        return (long)result == 1;
    }

    public Task DeleteAsync(string key, CancellationToken cancellationToken) =>
        Db.KeyDeleteAsync(Key(key)).WaitAsync(cancellationToken);

    private RedisKey Key(string key) => $"{name}||{key}";
}
