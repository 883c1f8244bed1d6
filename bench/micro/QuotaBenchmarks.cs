using BenchmarkDotNet.Attributes;
using GenAiRouter.Contracts.V1;
using GenAiRouter.Ingress.Quotas;

namespace GenAiRouter.Bench.Micro;

/// <summary>
/// What rate limits and budgets add to a request on one ingress (in-process counters): planning which limits apply,
/// then admitting and settling against a project's and a token's limits. With Redis, each of those is one round trip.
/// </summary>
[MemoryDiagnoser]
public class QuotaBenchmarks
{
    private readonly MemoryQuotaCounters _counters = new();
    private readonly Caller _caller = new() { KeyId = "k3y1d2ab9x", Project = "web" };
    private readonly Group _group = new() { Name = "big-coder", Quota = new Quota { RequestsPerMinute = 1_000_000_000, TokensPerMinute = long.MaxValue / 4, ConcurrentRequests = 1_000_000 } };
    private readonly CatalogSnapshot _snapshot = new() { ProjectQuotas = { ["web"] = new Quota { BudgetPerMonth = 1e12 } } };
    private readonly QuotaCharge _charge = new(300, 4_000);

    [Benchmark(Baseline = true)]
    public int NoLimits() => QuotaPlan.For(_caller, new Group { Name = "free" }, new CatalogSnapshot()).Count;

    [Benchmark]
    public async Task<int> ProjectBudgetAndTokenRateLimits()
    {
        var now = DateTimeOffset.UtcNow;
        var scopes = QuotaPlan.For(_caller, _group, _snapshot);
        foreach (var scope in scopes)
        {
            await _counters.AdmitAsync(scope, _charge, "req_1", now, default);
        }
        foreach (var scope in scopes)
        {
            await _counters.SettleAsync(scope, _charge, "req_1", now, 280, 3_500);
        }
        return scopes.Count;
    }
}
