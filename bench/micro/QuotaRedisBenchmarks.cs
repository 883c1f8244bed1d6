using BenchmarkDotNet.Attributes;
using GenAiRouter.Contracts.V1;
using GenAiRouter.Ingress.Quotas;
using StackExchange.Redis;

namespace GenAiRouter.Bench.Micro;

/// <summary>
/// Admitting and settling one request against a project's and a token's limits with the counters in Redis, as every
/// ingress replica shares them: four script round trips. Needs a Redis server:
/// <c>ROUTER_BENCH_REDIS=127.0.0.1:6379 dotnet run -c Release --project bench/micro -- --filter '*QuotaRedis*'</c>.
/// </summary>
[MemoryDiagnoser]
public class QuotaRedisBenchmarks
{
    private readonly Caller _caller = new() { KeyId = "k3y1d2ab9x", Project = "web" };
    private readonly Group _group = new() { Name = "big-coder", Quota = new Quota { RequestsPerMinute = 1_000_000_000, TokensPerMinute = long.MaxValue / 4, ConcurrentRequests = 1_000_000 } };
    private readonly CatalogSnapshot _snapshot = new() { ProjectQuotas = { ["web"] = new Quota { BudgetPerMonth = 1e12 } } };
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
        _counters = new RedisQuotaCounters(_redis);
    }

    [GlobalCleanup]
    public void Cleanup() => _redis.Dispose();

    [Benchmark]
    public async Task<int> ProjectBudgetAndTokenRateLimits()
    {
        var now = DateTimeOffset.UtcNow;
        var id = "req_" + Interlocked.Increment(ref _request);
        var scopes = QuotaPlan.For(_caller, _group, _snapshot);
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
