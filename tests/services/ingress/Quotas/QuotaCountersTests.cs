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

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task An_expired_tokens_counters_go_with_it(string kind)
    {
        var (one, _) = await CountersAsync(kind);
        // Redis expires the keys by its own clock; the in-process counters by the time they are given.
        var expires = kind == "redis" ? DateTimeOffset.UtcNow.AddSeconds(2) : Noon.AddSeconds(30);
        var scope = Scope(new Quota { BudgetPerDay = 0.01 }) with { Expires = expires };
        var charge = new QuotaCharge(10, MicroUsd.From(0.005));
        Assert.Equal(QuotaRefusal.None, (await one.AdmitAsync(scope, charge, "req_1", Noon, default)).Refused);
        await one.SettleAsync(scope, charge, "req_1", Noon, 10, MicroUsd.From(0.01));
        Assert.Equal(QuotaRefusal.BudgetPerDay, (await one.AdmitAsync(scope, charge, "req_2", Noon, default)).Refused);

        var later = Noon.AddMinutes(2);
        if (kind == "redis")
        {
            await Task.Delay(expires - DateTimeOffset.UtcNow + TimeSpan.FromMilliseconds(200));
        }
        // Asked again as if the token still existed: nothing of its spend is left.
        Assert.Equal(QuotaRefusal.None, (await one.AdmitAsync(Scope(new Quota()) with { Expires = later.AddDays(1) }, charge, "req_sweep", later, default)).Refused);
        Assert.Equal(QuotaRefusal.None, (await one.AdmitAsync(scope with { Expires = null }, charge, "req_3", later, default)).Refused);
    }

    [Fact]
    public async Task Leases_never_let_two_replicas_admit_more_than_the_limit_and_cost_at_most_a_lease_each_in_requests_not_admitted()
    {
        var (one, two) = await CountersAsync("redis");
        var scope = Scope(new Quota { RequestsPerMinute = 1000 });
        var before = await ScriptCallsAsync();

        // Replica one serves a single request and keeps the rest of its lease (a twentieth: 50) unused;
        // replica two is hit by a burst far beyond the limit.
        Assert.Equal(QuotaRefusal.None, (await one.AdmitAsync(scope, new QuotaCharge(10, 0), "req_one", Noon, default)).Refused);
        var burst = await Task.WhenAll(Enumerable.Range(0, 1500).Select(i => two.AdmitAsync(scope, new QuotaCharge(10, 0), $"req_{i}", Noon, default).AsTask()));

        Assert.Equal(1000 - 50, burst.Count(d => d.Refused == QuotaRefusal.None));
        Assert.All(burst.Where(d => d.Refused != QuotaRefusal.None), d => Assert.Equal(QuotaRefusal.Requests, d.Refused));
        // One round trip per lease (20 of them) and one to learn the minute is spent: not one per request.
        Assert.InRange(await ScriptCallsAsync() - before, 20, 22);
        // The first replica still spends what it holds, and no more.
        var rest = await Task.WhenAll(Enumerable.Range(0, 60).Select(i => one.AdmitAsync(scope, new QuotaCharge(10, 0), $"req_rest_{i}", Noon, default).AsTask()));
        Assert.Equal(49, rest.Count(d => d.Refused == QuotaRefusal.None));
    }

    [Fact]
    public async Task Tokens_a_leased_replica_did_not_use_go_back_to_the_shared_minute_beyond_one_lease()
    {
        var (one, two) = await CountersAsync("redis");
        var scope = Scope(new Quota { TokensPerMinute = 10_000 });

        // Replica one takes the whole minute in estimates of 1,000 tokens, which then use 100 each.
        var admitted = 0;
        while ((await one.AdmitAsync(scope, new QuotaCharge(1000, 0), $"req_{admitted}", Noon, default)).Refused == QuotaRefusal.None)
        {
            admitted++;
        }
        Assert.Equal(10, admitted);
        Assert.Equal(QuotaRefusal.Tokens, (await two.AdmitAsync(scope, new QuotaCharge(1000, 0), "req_two", Noon, default)).Refused);
        for (var i = 0; i < admitted; i++)
        {
            await one.SettleAsync(scope, new QuotaCharge(1000, 0), $"req_{i}", Noon, 100, 0);
        }

        // 9,000 unused: one keeps a lease's worth (500), the other replica can take the rest.
        var taken = 0;
        while ((await two.AdmitAsync(scope, new QuotaCharge(1000, 0), $"req_two_{taken}", Noon, default)).Refused == QuotaRefusal.None)
        {
            taken++;
        }
        Assert.Equal(8, taken);
    }

    [Theory]
    [InlineData(30, 0, 10, 1, 0)]
    [InlineData(1000, 0, 10, 50, 0)]
    [InlineData(0, 10_000, 100, 0, 500)]
    [InlineData(0, 10_000, 2_000, 0, 2_000)]
    [InlineData(600, 100_000, 10, 30, 5_000)]
    public void A_lease_is_a_twentieth_of_each_limit_and_at_least_what_the_request_needs(int rpm, long tpm, long needed, long requests, long tokens) =>
        Assert.Equal((requests, tokens), MinuteLease.Size(new Quota { RequestsPerMinute = rpm, TokensPerMinute = tpm }, needed, RedisQuotaCounters.DefaultLeaseShare));

    [Fact]
    public void A_lease_is_spent_within_its_minute_and_gone_with_it()
    {
        var lease = new MinuteLease();
        var quota = new Quota { RequestsPerMinute = 100, TokensPerMinute = 1000 };
        Assert.False(lease.TryTake("1", quota, 10, out _));
        lease.Granted("1", quota, QuotaRefusal.None, 2, 25, sharedRequests: 40, sharedTokens: 400);

        Assert.True(lease.TryTake("1", quota, 10, out var first));
        Assert.Equal(new QuotaDecision(QuotaRefusal.None, 39, 385), first);
        Assert.True(lease.TryTake("1", quota, 10, out _));
        Assert.False(lease.TryTake("1", quota, 10, out _)); // requests spent (and 5 tokens left)
        Assert.False(lease.TryTake("2", quota, 1, out _)); // a new minute holds nothing

        lease.Granted("2", quota, QuotaRefusal.Requests, 0, 0, sharedRequests: 100, sharedTokens: 900);
        Assert.True(lease.TryTake("2", quota, 1, out var spent));
        Assert.Equal(QuotaRefusal.Requests, spent.Refused); // known spent until the minute ends, without asking again
        Assert.False(lease.TryTake("2", new Quota { RequestsPerMinute = 200 }, 1, out _)); // unless the limit was raised
    }

    [Theory]
    [InlineData(50, -30, 0)] // used 30 fewer than estimated: the lease keeps them (80 of at most 100)
    [InlineData(100, -30, -30)] // the lease would hold 130: the 30 beyond a lease go back to the shared minute
    [InlineData(100, 150, 50)] // used 150 more: the lease covers 100, the shared minute counts 50 more
    [InlineData(100, 0, 0)]
    public void A_settled_request_moves_the_estimates_error_through_the_lease(long held, long overEstimate, long shared)
    {
        var lease = new MinuteLease();
        lease.Granted("1", new Quota { TokensPerMinute = 2000 }, QuotaRefusal.None, 0, held, 0, held);
        Assert.Equal(shared, lease.Settle("1", overEstimate, keep: 100));
        Assert.Equal(0, lease.Settle("0", 500, keep: 100)); // an ended minute no longer counts
    }

    private static QuotaScope Scope(Quota quota) => new($"test:{Guid.NewGuid():N}", "the test scope", quota);

    /// <summary>Scripts Redis has run so far: the counters' round trips.</summary>
    private async Task<long> ScriptCallsAsync()
    {
        await using var connection = await ConnectionMultiplexer.ConnectAsync(_redis!.ConnectionString + ",allowAdmin=true");
        var stats = await connection.GetServer(connection.GetEndPoints()[0]).InfoAsync("commandstats");
        return stats.SelectMany(g => g).Where(p => p.Key is "cmdstat_evalsha" or "cmdstat_eval")
            .Sum(p => long.Parse(p.Value.Split(',')[0].Split('=')[1], System.Globalization.CultureInfo.InvariantCulture));
    }

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
