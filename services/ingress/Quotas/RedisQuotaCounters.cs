using GenAiRouter.Contracts.V1;
using StackExchange.Redis;

namespace GenAiRouter.Ingress.Quotas;

/// <summary>
/// The counters in Redis, shared by every ingress replica: each admission is one script that checks every limit of a
/// scope and takes from all of them at once (Redis runs a script alone), so replicas can never both take the last unit.
/// A scope's keys share one hash slot (<c>{scope}</c>), so the script also runs on a Redis Cluster. Requests in flight
/// and spend reservations are kept by request id with their time, so a replica that dies mid-request leaks nothing for
/// longer than <see cref="Stale"/>.
/// A scope limited only per minute (no concurrency, no budget) is served from a <see cref="MinuteLease"/>: a share of
/// its minute (<c>leaseShare</c> of the limit) is taken in one script and spent here without a round trip.
/// </summary>
public sealed class RedisQuotaCounters(IConnectionMultiplexer redis, double leaseShare = RedisQuotaCounters.DefaultLeaseShare) : IQuotaCounters
{
    /// <summary>
    /// A twentieth of a limit per lease: a round trip per twenty requests at most, and with N replicas the deployment
    /// admits at most N twentieths of a minute's limit fewer than it allows (never more).
    /// </summary>
    public const double DefaultLeaseShare = 0.05;

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
        local cost, expires = tonumber(ARGV[3]), tonumber(ARGV[4])
        if cost > 0 then
          redis.call('INCRBY', KEYS[3], cost)
          redis.call('EXPIRE', KEYS[3], 172800)
          redis.call('INCRBY', KEYS[4], cost)
          redis.call('EXPIRE', KEYS[4], 5356800)
          -- A caller token's spend goes when the token expires: nothing can be charged to it after that.
          if expires > 0 then
            redis.call('PEXPIREAT', KEYS[3], expires, 'LT')
            redis.call('PEXPIREAT', KEYS[4], expires, 'LT')
          end
        end
        return 0
        """;

    // Takes up to a lease of requests and tokens from the shared minute, never beyond its limits; a request larger than
    // the whole minute's tokens still runs alone in an empty minute, as in Admit.
    private const string TakeLease = """
        local requests = tonumber(redis.call('GET', KEYS[1]) or '0')
        local tokens = tonumber(redis.call('GET', KEYS[2]) or '0')
        local rpm, tpm, wantRequests, needTokens, wantTokens = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
        if rpm > 0 and requests + 1 > rpm then return {1, requests, tokens, 0, 0} end
        if tpm > 0 and tokens > 0 and tokens + needTokens > tpm then return {2, requests, tokens, 0, 0} end
        local grantRequests, grantTokens = 0, 0
        if rpm > 0 then
          grantRequests = math.min(wantRequests, rpm - requests)
          requests = redis.call('INCRBY', KEYS[1], grantRequests)
          redis.call('EXPIRE', KEYS[1], 120)
        end
        if tpm > 0 then
          grantTokens = math.max(needTokens, math.min(wantTokens, tpm - tokens))
          tokens = redis.call('INCRBY', KEYS[2], grantTokens)
          redis.call('EXPIRE', KEYS[2], 120)
        end
        return {0, requests, tokens, grantRequests, grantTokens}
        """;

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, MinuteLease> _leases = new(StringComparer.Ordinal);
    private readonly MinuteSweep _sweep = new();

    /// <summary>Whether a scope's admissions come from a lease: only per-minute limits, and leasing on.</summary>
    private bool Leased(Quota quota) =>
        leaseShare > 0 && quota.ConcurrentRequests == 0 && quota.BudgetPerDay <= 0 && quota.BudgetPerMonth <= 0;

    public async ValueTask<QuotaDecision> AdmitAsync(QuotaScope scope, QuotaCharge charge, string requestId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (Leased(scope.Quota))
        {
            return await AdmitFromLeaseAsync(scope, charge, now, cancellationToken);
        }
        var keys = Keys(scope, QuotaWindows.At(now));
        var quota = scope.Quota;
        var result = (RedisResult[])(await redis.GetDatabase().ScriptEvaluateAsync(Admit,
            [keys.Requests, keys.Tokens, keys.InFlight, keys.SpentDay, keys.SpentMonth, keys.Holds],
            [quota.RequestsPerMinute, quota.TokensPerMinute, charge.Tokens, quota.ConcurrentRequests, MicroUsd.From(quota.BudgetPerDay),
                MicroUsd.From(quota.BudgetPerMonth), charge.ReserveMicroUsd, requestId, now.ToUnixTimeMilliseconds(), (long)Stale.TotalMilliseconds]))!;
        return new QuotaDecision((QuotaRefusal)(int)result[0], (long)result[1], (long)result[2]);
    }

    private async ValueTask<QuotaDecision> AdmitFromLeaseAsync(QuotaScope scope, QuotaCharge charge, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var minute = QuotaWindows.At(now).Minute;
        ForgetIdleLeases(now);
        var lease = _leases.GetOrAdd(scope.Key, static _ => new MinuteLease());
        if (lease.TryTake(minute, scope.Quota, charge.Tokens, out var decision))
        {
            return decision;
        }
        await lease.Refill.WaitAsync(cancellationToken);
        try
        {
            // Another request may have refilled the lease while this one waited.
            if (lease.TryTake(minute, scope.Quota, charge.Tokens, out decision))
            {
                return decision;
            }
            var keys = Keys(scope, QuotaWindows.At(now));
            var (requests, tokens) = MinuteLease.Size(scope.Quota, charge.Tokens, leaseShare);
            var result = (RedisResult[])(await redis.GetDatabase().ScriptEvaluateAsync(TakeLease, [keys.Requests, keys.Tokens],
                [scope.Quota.RequestsPerMinute, scope.Quota.TokensPerMinute, requests, charge.Tokens, tokens]))!;
            var refused = (QuotaRefusal)(int)result[0];
            lease.Granted(minute, scope.Quota, refused, (long)result[3], (long)result[4], (long)result[1], (long)result[2]);
            if (refused != QuotaRefusal.None)
            {
                return new QuotaDecision(refused, (long)result[1], (long)result[2]);
            }
            // The grant covers this request (the script grants at least one request and the request's tokens).
            return lease.TryTake(minute, scope.Quota, charge.Tokens, out decision) ? decision : new QuotaDecision(QuotaRefusal.Requests, (long)result[1], (long)result[2]);
        }
        finally
        {
            lease.Refill.Release();
        }
    }

    /// <summary>Once a minute, drops the leases of scopes unused for two minutes (an expired token's among them).</summary>
    private void ForgetIdleLeases(DateTimeOffset now)
    {
        if (!_sweep.Due(now))
        {
            return;
        }
        var minute = now.ToUnixTimeSeconds() / 60;
        foreach (var (key, lease) in _leases)
        {
            if (lease.Idle(minute))
            {
                _leases.TryRemove(key, out _);
            }
        }
    }

    public async ValueTask SettleAsync(QuotaScope scope, QuotaCharge charge, string requestId, DateTimeOffset admittedAt, long tokens, long costMicroUsd)
    {
        var keys = Keys(scope, QuotaWindows.At(admittedAt));
        if (Leased(scope.Quota))
        {
            // The lease absorbs the estimate's error within bounds (a round trip only beyond them); nothing else of a leased scope is held.
            var shared = scope.Quota.TokensPerMinute > 0 && _leases.TryGetValue(scope.Key, out var lease)
                ? lease.Settle(QuotaWindows.At(admittedAt).Minute, tokens - charge.Tokens, MinuteLease.Size(scope.Quota, 0, leaseShare).Tokens)
                : 0;
            if (shared != 0)
            {
                await redis.GetDatabase().ScriptEvaluateAsync(Settle, [keys.Tokens, keys.InFlight, keys.SpentDay, keys.SpentMonth, keys.Holds], [shared, requestId, 0, 0]);
            }
            return;
        }
        await redis.GetDatabase().ScriptEvaluateAsync(Settle, [keys.Tokens, keys.InFlight, keys.SpentDay, keys.SpentMonth, keys.Holds],
            [tokens - charge.Tokens, requestId, costMicroUsd, scope.Expires?.ToUnixTimeMilliseconds() ?? 0]);
    }

    public async ValueTask ForgetTokenAsync(string keyId)
    {
        // Revocations are rare: a scan of the quota keys is affordable, and finds the token's scopes in every group.
        var suffix = QuotaPlan.TokenKey(keyId) + "}:";
        foreach (var scope in _leases.Keys.Where(k => k.EndsWith(QuotaPlan.TokenKey(keyId), StringComparison.Ordinal)))
        {
            _leases.TryRemove(scope, out _);
        }
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
