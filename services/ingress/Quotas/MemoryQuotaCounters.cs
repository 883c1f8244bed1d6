using System.Collections.Concurrent;

namespace GenAiRouter.Ingress.Quotas;

/// <summary>
/// The counters in this process: right for one ingress (the standalone topology without Redis); with several
/// replicas each would enforce the limits on its own share of the traffic, which is why those share Redis.
/// </summary>
public sealed class MemoryQuotaCounters : IQuotaCounters
{
    private sealed class Scope
    {
        public string Minute = "";
        public long Requests;
        public long Tokens;
        public long InFlight;
        public string Day = "";
        public long SpentDay;
        public long ReservedDay;
        public string Month = "";
        public long SpentMonth;
        public long ReservedMonth;
        public DateTimeOffset? Expires;
    }

    private readonly ConcurrentDictionary<string, Scope> _scopes = new(StringComparer.Ordinal);
    private readonly MinuteSweep _sweep = new();

    public ValueTask<QuotaDecision> AdmitAsync(QuotaScope scope, QuotaCharge charge, string requestId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ForgetExpired(now);
        var state = _scopes.GetOrAdd(scope.Key, _ => new Scope());
        var windows = QuotaWindows.At(now);
        var quota = scope.Quota;
        lock (state)
        {
            state.Expires = scope.Expires;
            Roll(state, windows);
            var refused =
                quota.RequestsPerMinute > 0 && state.Requests + 1 > quota.RequestsPerMinute ? QuotaRefusal.Requests
                // A request larger than the whole minute's tokens still runs alone in an empty window.
                : quota.TokensPerMinute > 0 && state.Tokens > 0 && state.Tokens + charge.Tokens > quota.TokensPerMinute ? QuotaRefusal.Tokens
                : quota.ConcurrentRequests > 0 && state.InFlight + 1 > quota.ConcurrentRequests ? QuotaRefusal.Concurrency
                : quota.BudgetPerDay > 0 && state.SpentDay + state.ReservedDay >= MicroUsd.From(quota.BudgetPerDay) ? QuotaRefusal.BudgetPerDay
                : quota.BudgetPerMonth > 0 && state.SpentMonth + state.ReservedMonth >= MicroUsd.From(quota.BudgetPerMonth) ? QuotaRefusal.BudgetPerMonth
                : QuotaRefusal.None;
            if (refused == QuotaRefusal.None)
            {
                state.Requests++;
                state.Tokens += charge.Tokens;
                state.InFlight++;
                state.ReservedDay += charge.ReserveMicroUsd;
                state.ReservedMonth += charge.ReserveMicroUsd;
            }
            return ValueTask.FromResult(new QuotaDecision(refused, state.Requests, state.Tokens));
        }
    }

    public ValueTask SettleAsync(QuotaScope scope, QuotaCharge charge, string requestId, DateTimeOffset admittedAt, long tokens, long costMicroUsd)
    {
        var state = _scopes.GetOrAdd(scope.Key, _ => new Scope());
        var windows = QuotaWindows.At(admittedAt);
        lock (state)
        {
            if (state.Minute == windows.Minute)
            {
                state.Tokens = Math.Max(0, state.Tokens + tokens - charge.Tokens);
            }
            state.InFlight = Math.Max(0, state.InFlight - 1);
            if (state.Day == windows.Day)
            {
                state.ReservedDay = Math.Max(0, state.ReservedDay - charge.ReserveMicroUsd);
                state.SpentDay += costMicroUsd;
            }
            if (state.Month == windows.Month)
            {
                state.ReservedMonth = Math.Max(0, state.ReservedMonth - charge.ReserveMicroUsd);
                state.SpentMonth += costMicroUsd;
            }
        }
        return ValueTask.CompletedTask;
    }

    public ValueTask ForgetTokenAsync(string keyId)
    {
        var suffix = QuotaPlan.TokenKey(keyId);
        foreach (var key in _scopes.Keys.Where(k => k.EndsWith(suffix, StringComparison.Ordinal)))
        {
            _scopes.TryRemove(key, out _);
        }
        return ValueTask.CompletedTask;
    }

    /// <summary>Once a minute, drops the counters of caller tokens that have expired (nothing can be charged to them now).</summary>
    private void ForgetExpired(DateTimeOffset now)
    {
        if (!_sweep.Due(now))
        {
            return;
        }
        foreach (var (key, state) in _scopes)
        {
            if (state.Expires < now)
            {
                _scopes.TryRemove(key, out _);
            }
        }
    }

    private static void Roll(Scope state, QuotaWindows windows)
    {
        if (state.Minute != windows.Minute)
        {
            (state.Minute, state.Requests, state.Tokens) = (windows.Minute, 0, 0);
        }
        if (state.Day != windows.Day)
        {
            (state.Day, state.SpentDay, state.ReservedDay) = (windows.Day, 0, 0);
        }
        if (state.Month != windows.Month)
        {
            (state.Month, state.SpentMonth, state.ReservedMonth) = (windows.Month, 0, 0);
        }
    }
}
