using BenchmarkDotNet.Attributes;
using GenAiRouter.Contracts.V1;
using GenAiRouter.Ingress.Quotas;
using StackExchange.Redis;

namespace GenAiRouter.Bench.Micro;

/// <summary>
/// Admitting and settling one request with the counters in Redis, as every ingress replica shares them: against a
/// project's budget and a token's limits (concurrency and budgets: a script round trip per scope on admission and on
/// settlement), and against per-minute rate limits only, from a lease (<see cref="LeaseShare"/> 0: a round trip per
/// request, as without leases). Needs a Redis server:
/// <c>ROUTER_BENCH_REDIS=127.0.0.1:6379 dotnet run -c Release --project bench/micro -- --filter '*QuotaRedis*'</c>.
/// </summary>
[MemoryDiagnoser]
public class QuotaRedisBenchmarks
{
    private readonly Caller _caller = new() { KeyId = "k3y1d2ab9x", Project = "web" };
    private readonly Group _group = new() { Name = "big-coder", Quota = new Quota { RequestsPerMinute = 1_000_000_000, TokensPerMinute = long.MaxValue / 4, ConcurrentRequests = 1_000_000 } };
    private readonly CatalogSnapshot _snapshot = new() { ProjectQuotas = { ["web"] = new Quota { BudgetPerMonth = 1e12 } } };
    private readonly Group _rateLimited = new() { Name = "rate-limited", Quota = new Quota { RequestsPerMinute = 1_000_000_000, TokensPerMinute = 1_000_000_000_000 } };
    private readonly QuotaCharge _charge = new(300, 4_000);
    private ConnectionMultiplexer _redis = null!;
    private RedisQuotaCounters _counters = null!;
    private long _request;

    [GlobalSetup]
    public void Setup()
    {
        var address = Environment.GetEnvironmentVariable("ROUTER_BENCH_REDIS")
            ?? throw new InvalidOperationException("set ROUTER_BENCH_REDIS to a Redis server (host:port) to run this benchmark");
        _redis = ConnectionMultiplexer.Connect(address);
        _counters = new RedisQuotaCounters(_redis, LeaseShare);
    }

    [Params(0.0, RedisQuotaCounters.DefaultLeaseShare)]
    public double LeaseShare { get; set; }

    [GlobalCleanup]
    public void Cleanup() => _redis.Dispose();

    [Benchmark]
    public Task<int> ProjectBudgetAndTokenRateLimits() => AdmitAndSettleAsync(_group, _snapshot);

    [Benchmark]
    public Task<int> RateLimitsOnly() => AdmitAndSettleAsync(_rateLimited, new CatalogSnapshot());

    private async Task<int> AdmitAndSettleAsync(Group group, CatalogSnapshot snapshot)
    {
        var now = DateTimeOffset.UtcNow;
        var id = "req_" + Interlocked.Increment(ref _request);
        var scopes = QuotaPlan.For(_caller, group, snapshot);
        foreach (var scope in scopes)
        {
            await _counters.AdmitAsync(scope, _charge, id, now, default);
        }
        foreach (var scope in scopes)
        {
            await _counters.SettleAsync(scope, _charge, id, now, 280, 3_500);
        }
        return scopes.Count;
    }
}
