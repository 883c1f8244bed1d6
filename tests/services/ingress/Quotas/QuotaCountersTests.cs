using GenAiRouter.Contracts.V1;
using GenAiRouter.Ingress.Quotas;
using StackExchange.Redis;

namespace GenAiRouter.Ingress.Tests.Quotas;

/// <summary>
/// The limit counters' rules, for the in-process counters and for Redis shared by two replicas (two connections, each
/// its own <see cref="RedisQuotaCounters"/>), hit by concurrent bursts: never more admitted than the limit.
/// </summary>
public sealed class QuotaCountersTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Noon = new(2026, 11, 26, 12, 0, 10, TimeSpan.Zero);

    private RedisServer? _redis;
    private readonly List<ConnectionMultiplexer> _connections = [];

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public static TheoryData<string> Kinds => new("memory", "redis");

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task A_burst_of_100_gets_exactly_the_requests_per_minute_and_the_next_minute_starts_afresh(string kind)
    {
        var (one, two) = await CountersAsync(kind);
        var scope = Scope(new Quota { RequestsPerMinute = 30 });

        var decisions = await Task.WhenAll(Enumerable.Range(0, 100).Select(i => (i % 2 == 0 ? one : two).AdmitAsync(scope, new QuotaCharge(10, 0), $"req_{i}", Noon, default).AsTask()));

        Assert.Equal(30, decisions.Count(d => d.Refused == QuotaRefusal.None));
        Assert.All(decisions.Where(d => d.Refused != QuotaRefusal.None), d => Assert.Equal(QuotaRefusal.Requests, d.Refused));
        Assert.Equal(QuotaRefusal.None, (await one.AdmitAsync(scope, new QuotaCharge(10, 0), "req_next", Noon.AddMinutes(1), default)).Refused);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task Tokens_per_minute_count_estimates_then_what_the_upstream_reported(string kind)
    {
        var (one, two) = await CountersAsync(kind);
        var scope = Scope(new Quota { TokensPerMinute = 1000 });

        var decisions = await Task.WhenAll(Enumerable.Range(0, 50).Select(i => (i % 2 == 0 ? one : two).AdmitAsync(scope, new QuotaCharge(100, 0), $"req_{i}", Noon, default).AsTask()));
        Assert.Equal(10, decisions.Count(d => d.Refused == QuotaRefusal.None));

        // Each of the ten used 40 tokens, not the 100 estimated: room for more in the same minute.
        for (var i = 0; i < 10; i++)
        {
            await one.SettleAsync(scope, new QuotaCharge(100, 0), $"req_{i}", Noon, 40, 0);
        }
        Assert.Equal(QuotaRefusal.None, (await two.AdmitAsync(scope, new QuotaCharge(100, 0), "req_more", Noon, default)).Refused);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task Concurrency_holds_until_a_request_settles(string kind)
    {
        var (one, two) = await CountersAsync(kind);
        var scope = Scope(new Quota { ConcurrentRequests = 3 });

        var decisions = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => (i % 2 == 0 ? one : two).AdmitAsync(scope, new QuotaCharge(1, 0), $"req_{i}", Noon, default).AsTask()));
        Assert.Equal(3, decisions.Count(d => d.Refused == QuotaRefusal.None));
        Assert.All(decisions.Where(d => d.Refused != QuotaRefusal.None), d => Assert.Equal(QuotaRefusal.Concurrency, d.Refused));

        var admitted = Enumerable.Range(0, 20).Where(i => decisions[i].Refused == QuotaRefusal.None).First();
        await (admitted % 2 == 0 ? one : two).SettleAsync(scope, new QuotaCharge(1, 0), $"req_{admitted}", Noon, 1, 0);
        Assert.Equal(QuotaRefusal.None, (await two.AdmitAsync(scope, new QuotaCharge(1, 0), "req_after", Noon, default)).Refused);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task A_budget_admits_while_spent_plus_held_is_below_it_and_settles_to_what_was_spent(string kind)
    {
        var (one, two) = await CountersAsync(kind);
        var scope = Scope(new Quota { BudgetPerDay = 0.05 });
        var charge = new QuotaCharge(100, MicroUsd.From(0.02));

        var first = await Task.WhenAll(Enumerable.Range(0, 10).Select(i => (i % 2 == 0 ? one : two).AdmitAsync(scope, charge, $"req_{i}", Noon, default).AsTask()));
        // 0.00, 0.02 and 0.04 held are below 0.05: three admitted, the rest refused while they are in flight.
        Assert.Equal(3, first.Count(d => d.Refused == QuotaRefusal.None));
        Assert.All(first.Where(d => d.Refused != QuotaRefusal.None), d => Assert.Equal(QuotaRefusal.BudgetPerDay, d.Refused));

        foreach (var i in Enumerable.Range(0, 10).Where(i => first[i].Refused == QuotaRefusal.None))
        {
            await one.SettleAsync(scope, charge, $"req_{i}", Noon, 100, MicroUsd.From(0.01));
        }
        // 0.03 spent: one more fits, then 0.03 + 0.02 held reaches the budget.
        Assert.Equal(QuotaRefusal.None, (await two.AdmitAsync(scope, charge, "req_a", Noon, default)).Refused);
        Assert.Equal(QuotaRefusal.BudgetPerDay, (await one.AdmitAsync(scope, charge, "req_b", Noon, default)).Refused);
        // The next day starts afresh.
        Assert.Equal(QuotaRefusal.None, (await one.AdmitAsync(scope, charge, "req_c", Noon.AddDays(1), default)).Refused);
    }

    [Fact]
    public void Plans_check_the_project_and_the_token_in_the_group_and_nothing_without_limits()
    {
        var caller = new Caller { KeyId = "k3y1d2ab9x", Project = "web", Quota = new Quota { TokensPerMinute = 1000 } };
        var snapshot = new CatalogSnapshot { ProjectQuotas = { ["web"] = new Quota { BudgetPerMonth = 50 }, ["other"] = new Quota { RequestsPerMinute = 1 } } };
        var limited = new Group { Name = "big-coder", Quota = new Quota { RequestsPerMinute = 60 } };

        Assert.Equal(["token:k3y1d2ab9x", "project:web", "group:big-coder:token:k3y1d2ab9x"], QuotaPlan.For(caller, limited, snapshot).Select(s => s.Key));
        Assert.Equal(["token:k3y1d2ab9x", "project:web"], QuotaPlan.For(caller, new Group { Name = "free" }, snapshot).Select(s => s.Key));
        var unlimited = new Caller { KeyId = "k3y1d2ab9x", Project = "web", Quota = new Quota() };
        Assert.Empty(QuotaPlan.For(unlimited, new Group { Name = "free", Quota = new Quota() }, new CatalogSnapshot()));
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task A_revoked_tokens_counters_go_and_no_other_tokens_do(string kind)
    {
        var (one, _) = await CountersAsync(kind);
        var revoked = new QuotaScope($"group:big-coder:{QuotaPlan.TokenKey("revokedkey")}", "", new Quota { RequestsPerMinute = 1 });
        var other = new QuotaScope($"group:big-coder:{QuotaPlan.TokenKey("otherkey00")}", "", new Quota { RequestsPerMinute = 1 });
        await one.AdmitAsync(revoked, new QuotaCharge(1, 0), "req_1", Noon, default);
        await one.AdmitAsync(other, new QuotaCharge(1, 0), "req_2", Noon, default);

        await one.ForgetTokenAsync("revokedkey");

        Assert.Equal(QuotaRefusal.None, (await one.AdmitAsync(revoked, new QuotaCharge(1, 0), "req_3", Noon, default)).Refused);
        Assert.Equal(QuotaRefusal.Requests, (await one.AdmitAsync(other, new QuotaCharge(1, 0), "req_4", Noon, default)).Refused);
    }

    private static QuotaScope Scope(Quota quota) => new($"test:{Guid.NewGuid():N}", "the test scope", quota);

    /// <summary>Two replicas' counters: one shared object in memory, or two connections to one Redis.</summary>
    private async Task<(IQuotaCounters One, IQuotaCounters Two)> CountersAsync(string kind)
    {
        if (kind == "memory")
        {
            var counters = new MemoryQuotaCounters();
            return (counters, counters);
        }
        _redis ??= await RedisServer.StartAsync();
        var one = await ConnectionMultiplexer.ConnectAsync(_redis.ConnectionString);
        var two = await ConnectionMultiplexer.ConnectAsync(_redis.ConnectionString);
        _connections.AddRange([one, two]);
        return (new RedisQuotaCounters(one), new RedisQuotaCounters(two));
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var connection in _connections)
        {
            await connection.DisposeAsync();
        }
        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }
    }
}
