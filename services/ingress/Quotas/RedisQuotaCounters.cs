using StackExchange.Redis;

namespace GenAiRouter.Ingress.Quotas;

/// <summary>
/// The counters in Redis, shared by every ingress replica: each admission is one script that checks every limit of a
/// scope and takes from all of them at once (Redis runs a script alone), so replicas can never both take the last unit.
/// A scope's keys share one hash slot (<c>{scope}</c>), so the script also runs on a Redis Cluster. Requests in flight
/// and spend reservations are kept by request id with their time, so a replica that dies mid-request leaks nothing for
/// longer than <see cref="Stale"/>.
/// </summary>
public sealed class RedisQuotaCounters(IConnectionMultiplexer redis) : IQuotaCounters
{
    /// <summary>Longer than any request may run: a hold older than this belongs to a replica that died.</summary>
    public static readonly TimeSpan Stale = TimeSpan.FromMinutes(30);

    private const string Admit = """
        local now, stale = tonumber(ARGV[9]), tonumber(ARGV[10])
        redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now - stale)
        local requests = tonumber(redis.call('GET', KEYS[1]) or '0')
        local tokens = tonumber(redis.call('GET', KEYS[2]) or '0')
        local rpm, tpm, estimate, concurrency = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
        if rpm > 0 and requests + 1 > rpm then return {1, requests, tokens} end
        if tpm > 0 and tokens > 0 and tokens + estimate > tpm then return {2, requests, tokens} end
        if concurrency > 0 and redis.call('ZCARD', KEYS[3]) + 1 > concurrency then return {3, requests, tokens} end
        local day, month = tonumber(ARGV[5]), tonumber(ARGV[6])
        if day > 0 or month > 0 then
          local reserved = 0
          local holds = redis.call('HGETALL', KEYS[6])
          for i = 1, #holds, 2 do
            local amount, at = string.match(holds[i + 1], '(%d+):(%d+)')
            if now - tonumber(at) > stale then redis.call('HDEL', KEYS[6], holds[i]) else reserved = reserved + tonumber(amount) end
          end
          if day > 0 and tonumber(redis.call('GET', KEYS[4]) or '0') + reserved >= day then return {4, requests, tokens} end
          if month > 0 and tonumber(redis.call('GET', KEYS[5]) or '0') + reserved >= month then return {5, requests, tokens} end
        end
        requests = redis.call('INCR', KEYS[1])
        redis.call('EXPIRE', KEYS[1], 120)
        tokens = redis.call('INCRBY', KEYS[2], estimate)
        redis.call('EXPIRE', KEYS[2], 120)
        redis.call('ZADD', KEYS[3], now, ARGV[8])
        redis.call('PEXPIRE', KEYS[3], stale)
        if tonumber(ARGV[7]) > 0 then
          redis.call('HSET', KEYS[6], ARGV[8], ARGV[7] .. ':' .. now)
          redis.call('PEXPIRE', KEYS[6], stale)
        end
        return {0, requests, tokens}
        """;

    private const string Settle = """
        if redis.call('EXISTS', KEYS[1]) == 1 then
          if redis.call('INCRBY', KEYS[1], ARGV[1]) < 0 then redis.call('SET', KEYS[1], 0, 'KEEPTTL') end
        end
        redis.call('ZREM', KEYS[2], ARGV[2])
        redis.call('HDEL', KEYS[5], ARGV[2])
        local cost = tonumber(ARGV[3])
        if cost > 0 then
          redis.call('INCRBY', KEYS[3], cost)
          redis.call('EXPIRE', KEYS[3], 172800)
          redis.call('INCRBY', KEYS[4], cost)
          redis.call('EXPIRE', KEYS[4], 5356800)
        end
        return 0
        """;

    public async ValueTask<QuotaDecision> AdmitAsync(QuotaScope scope, QuotaCharge charge, string requestId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var keys = Keys(scope, QuotaWindows.At(now));
        var quota = scope.Quota;
        var result = (RedisResult[])(await redis.GetDatabase().ScriptEvaluateAsync(Admit,
            [keys.Requests, keys.Tokens, keys.InFlight, keys.SpentDay, keys.SpentMonth, keys.Holds],
            [quota.RequestsPerMinute, quota.TokensPerMinute, charge.Tokens, quota.ConcurrentRequests, MicroUsd.From(quota.BudgetPerDay),
                MicroUsd.From(quota.BudgetPerMonth), charge.ReserveMicroUsd, requestId, now.ToUnixTimeMilliseconds(), (long)Stale.TotalMilliseconds]))!;
        return new QuotaDecision((QuotaRefusal)(int)result[0], (long)result[1], (long)result[2]);
    }

    public async ValueTask SettleAsync(QuotaScope scope, QuotaCharge charge, string requestId, DateTimeOffset admittedAt, long tokens, long costMicroUsd)
    {
        var keys = Keys(scope, QuotaWindows.At(admittedAt));
        await redis.GetDatabase().ScriptEvaluateAsync(Settle, [keys.Tokens, keys.InFlight, keys.SpentDay, keys.SpentMonth, keys.Holds],
            [tokens - charge.Tokens, requestId, costMicroUsd]);
    }

    public async ValueTask ForgetTokenAsync(string keyId)
    {
        // Revocations are rare: a scan of the quota keys is affordable, and finds the token's scopes in every group.
        var suffix = QuotaPlan.TokenKey(keyId) + "}:";
        foreach (var endpoint in redis.GetEndPoints())
        {
            var server = redis.GetServer(endpoint);
            if (server.IsReplica)
            {
                continue;
            }
            var keys = new List<RedisKey>();
            // One key at a time: on a cluster, the scopes live in different slots.
            await foreach (var key in server.KeysAsync(pattern: $"router:quota:{{*{suffix}*"))
            {
                keys.Add(key);
            }
            foreach (var key in keys)
            {
                await redis.GetDatabase().KeyDeleteAsync(key);
            }
        }
    }

    private static (RedisKey Requests, RedisKey Tokens, RedisKey InFlight, RedisKey SpentDay, RedisKey SpentMonth, RedisKey Holds) Keys(QuotaScope scope, QuotaWindows windows)
    {
        var prefix = $"router:quota:{{{scope.Key}}}:";
        return (prefix + "requests:" + windows.Minute, prefix + "tokens:" + windows.Minute, prefix + "inflight",
            prefix + "spent:" + windows.Day, prefix + "spent:" + windows.Month, prefix + "holds");
    }
}
