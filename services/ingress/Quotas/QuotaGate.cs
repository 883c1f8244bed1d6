using System.Globalization;
using GenAiRouter.Contracts.V1;
using GenAiRouter.Ingress.Doors;
using GenAiRouter.Ingress.Routing;
using GenAiRouter.Ingress.Telemetry;
using StackExchange.Redis;

namespace GenAiRouter.Ingress.Quotas;

/// <summary>
/// Admits a request against every limit that applies to it (its project's, its caller token's in the group) before it
/// is routed, for every door alike: a request, an estimate of its tokens, and the most it may cost are taken at once;
/// the upstream's usage settles them when the answer ends. Writes the rate-limit headers each door's clients read, and
/// says in the refusal which limit and when it resets.
/// </summary>
public sealed partial class QuotaGate(IQuotaCounters counters, RouterMetrics metrics, TimeProvider time, ILogger<QuotaGate> logger)
{
    /// <summary>Output tokens a budget holds for a request until its usage is known (callers rarely say).</summary>
    public const long OutputReserve = 4096;

    public async ValueTask<(QuotaAdmission? Admission, RouterError? Refusal)> AdmitAsync(
        HttpContext http, IDoor door, Caller caller, Group group, CatalogSnapshot snapshot, string requestId, int bodyBytes, IReadOnlyList<Target> targets)
    {
        var scopes = QuotaPlan.For(caller, group, snapshot);
        if (scopes.Count == 0)
        {
            return (null, null);
        }
        var now = time.GetUtcNow();
        // About four bytes of JSON per input token; the upstream's count replaces it when the answer ends.
        var inputEstimate = Math.Max(1, bodyBytes / 4);
        var prices = targets.Select(t => t.Prices).Where(p => p is not null).ToList();
        var reserve = (long)Math.Ceiling(inputEstimate * prices.Select(p => p!.InputPerMtok).DefaultIfEmpty(0).Max()
            + OutputReserve * prices.Select(p => p!.OutputPerMtok).DefaultIfEmpty(0).Max());
        var charge = new QuotaCharge(inputEstimate, reserve);
        var admitted = new List<QuotaScope>(scopes.Count);
        var headline = (Scope: (QuotaScope?)null, Decision: default(QuotaDecision));
        foreach (var scope in scopes)
        {
            QuotaDecision decision;
            try
            {
                decision = await counters.AdmitAsync(scope, charge, requestId, now, http.RequestAborted);
            }
            catch (Exception e) when (e is RedisException or RedisTimeoutException)
            {
                CountersUnavailable(logger, scope.Key, e.GetType().Name);
                if (scope.Quota.BudgetPerDay > 0 || scope.Quota.BudgetPerMonth > 0)
                {
                    // Money is not spent blind: with a budget to keep, no counters means no admission.
                    await SettleAsync(admitted, charge, requestId, now);
                    return (null, new RouterError(503, "server_error", "quota_unavailable", $"The router cannot check the budget of {scope.Name} right now; retry shortly.",
                        RetryAfter: TimeSpan.FromSeconds(1)));
                }
                continue;
            }
            if (headline.Scope is null || Remaining(scope, decision) < Remaining(headline.Scope, headline.Decision))
            {
                headline = (scope, decision);
            }
            if (decision.Refused != QuotaRefusal.None)
            {
                await SettleAsync(admitted, charge, requestId, now);
                WriteHeaders(http, door, scope, decision, now);
                metrics.QuotaRefused(scope.Key[..scope.Key.IndexOf(':', StringComparison.Ordinal)], decision.Refused);
                return (null, Refusal(scope, decision.Refused, now));
            }
            admitted.Add(scope);
        }
        if (headline.Scope is { } shown)
        {
            WriteHeaders(http, door, shown, headline.Decision, now);
        }
        return (new QuotaAdmission(this, admitted, charge, requestId, now), null);
    }

    internal async Task SettleAsync(IReadOnlyList<QuotaScope> scopes, QuotaCharge charge, string requestId, DateTimeOffset admittedAt, long tokens = 0, long costMicroUsd = 0)
    {
        foreach (var scope in scopes)
        {
            try
            {
                await counters.SettleAsync(scope, charge, requestId, admittedAt, tokens, costMicroUsd);
            }
            catch (Exception e) when (e is RedisException or RedisTimeoutException)
            {
                // The holds lapse on their own (RedisQuotaCounters.Stale); the spend is in the usage ledger regardless.
                CountersUnavailable(logger, scope.Key, e.GetType().Name);
            }
        }
    }

    private static long Remaining(QuotaScope scope, QuotaDecision decision) => Math.Min(
        scope.Quota.RequestsPerMinute > 0 ? scope.Quota.RequestsPerMinute - decision.Requests : long.MaxValue,
        scope.Quota.TokensPerMinute > 0 ? scope.Quota.TokensPerMinute - decision.Tokens : long.MaxValue);

    /// <summary>OpenAI's <c>x-ratelimit-*</c> headers, or Anthropic's <c>anthropic-ratelimit-*</c> on the Messages door.</summary>
    private static void WriteHeaders(HttpContext http, IDoor door, QuotaScope scope, QuotaDecision decision, DateTimeOffset now)
    {
        var headers = http.Response.Headers;
        var reset = QuotaWindows.Resets(now).Minute;
        var anthropic = door.Protocol == Protocol.Messages;
        foreach (var (kind, limit, used) in new[] { ("requests", (long)scope.Quota.RequestsPerMinute, decision.Requests), ("tokens", scope.Quota.TokensPerMinute, decision.Tokens) })
        {
            if (limit <= 0)
            {
                continue;
            }
            var remaining = Math.Max(0, limit - used).ToString(CultureInfo.InvariantCulture);
            if (anthropic)
            {
                headers[$"anthropic-ratelimit-{kind}-limit"] = limit.ToString(CultureInfo.InvariantCulture);
                headers[$"anthropic-ratelimit-{kind}-remaining"] = remaining;
                headers[$"anthropic-ratelimit-{kind}-reset"] = reset.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
            }
            else
            {
                headers[$"x-ratelimit-limit-{kind}"] = limit.ToString(CultureInfo.InvariantCulture);
                headers[$"x-ratelimit-remaining-{kind}"] = remaining;
                headers[$"x-ratelimit-reset-{kind}"] = $"{Math.Max(1, (int)Math.Ceiling((reset - now).TotalSeconds))}s";
            }
        }
    }

    private static RouterError Refusal(QuotaScope scope, QuotaRefusal why, DateTimeOffset now)
    {
        var (minute, day, month) = QuotaWindows.Resets(now);
        var quota = scope.Quota;
        return why switch
        {
            QuotaRefusal.Requests => RateLimited($"Rate limit reached for {scope.Name}: {Count(quota.RequestsPerMinute, "request")} per minute.", minute - now),
            QuotaRefusal.Tokens => RateLimited($"Rate limit reached for {scope.Name}: {Count(quota.TokensPerMinute, "token")} per minute.", minute - now),
            QuotaRefusal.Concurrency => RateLimited($"Rate limit reached for {scope.Name}: {Count(quota.ConcurrentRequests, "request")} at once; retry when one of them has finished.",
                TimeSpan.FromSeconds(1)),
            QuotaRefusal.BudgetPerDay => Spent($"The daily budget of {scope.Name} (${quota.BudgetPerDay.ToString("0.00", CultureInfo.InvariantCulture)}) is spent; it resets at {day.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)} UTC.", day - now),
            _ => Spent($"The monthly budget of {scope.Name} (${quota.BudgetPerMonth.ToString("0.00", CultureInfo.InvariantCulture)}) is spent; it resets at {month.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)} UTC.", month - now),
        };

        static RouterError RateLimited(string message, TimeSpan retryAfter) =>
            new(429, "rate_limit_error", "rate_limit_exceeded", $"{message} Retry after {Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds))} s.", RetryAfter: retryAfter);

        static string Count(long n, string what) => n == 1 ? $"1 {what}" : $"{n.ToString(CultureInfo.InvariantCulture)} {what}s";

        static RouterError Spent(string message, TimeSpan retryAfter) => new(429, "insufficient_quota", "insufficient_quota", message, RetryAfter: retryAfter);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Quota counters for {QuotaScope} unavailable ({ErrorType})")]
    private static partial void CountersUnavailable(ILogger logger, string quotaScope, string errorType);
}

/// <summary>A request's hold on its limits, settled once with what it really used when it ends.</summary>
public sealed class QuotaAdmission(QuotaGate gate, IReadOnlyList<QuotaScope> scopes, QuotaCharge charge, string requestId, DateTimeOffset admittedAt)
{
    private int _settled;

    public Task SettleAsync(long tokens, double costUsd) =>
        Interlocked.Exchange(ref _settled, 1) == 0 ? gate.SettleAsync(scopes, charge, requestId, admittedAt, tokens, MicroUsd.From(costUsd)) : Task.CompletedTask;
}
