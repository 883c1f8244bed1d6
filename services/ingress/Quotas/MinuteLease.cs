using GenAiRouter.Contracts.V1;

namespace GenAiRouter.Ingress.Quotas;

/// <summary>
/// One replica's share of a scope's minute, taken from the shared counters ahead of need so that most admissions are
/// decided in this process without a round trip: requests and tokens already counted in the shared minute and not yet
/// used here. The shared counters never hand out more than the limit, so leases cannot make the deployment admit more
/// than it allows; what a replica holds unused when the minute ends is what the deployment can admit less (at most one
/// lease per replica, <see cref="Size"/>).
/// </summary>
public sealed class MinuteLease
{
    private readonly Lock _lock = new();
    private string _minute = "";
    private long _requests;
    private long _tokens;
    private long _sharedRequests;
    private long _sharedTokens;
    private long _spentAtLimit;

    /// <summary>Held while this replica asks the shared counters for more, so concurrent requests ask once.</summary>
    public SemaphoreSlim Refill { get; } = new(1, 1);

    /// <summary>
    /// How much to lease at once: a share of the limit, at least what the request needs. A limit so small its share is
    /// under one request leases exactly what each request takes, which is the exact shared count.
    /// </summary>
    public static (long Requests, long Tokens) Size(Quota quota, long tokensNeeded, double share) => (
        quota.RequestsPerMinute > 0 ? Math.Max(1, (long)(quota.RequestsPerMinute * share)) : 0,
        quota.TokensPerMinute > 0 ? Math.Max(tokensNeeded, Math.Min(MaxTokens, (long)(quota.TokensPerMinute * share))) : 0);

    // Redis's Lua hands numbers to commands with 14 significant digits: leases stay well within them.
    private const long MaxTokens = 1_000_000_000_000;

    /// <summary>Takes one request and its token estimate from what this replica holds for <paramref name="minute"/>, if it holds enough.</summary>
    public bool TryTake(string minute, Quota quota, long tokens, out QuotaDecision decision)
    {
        lock (_lock)
        {
            Roll(minute);
            if (quota.RequestsPerMinute > 0 && quota.RequestsPerMinute <= _spentAtLimit)
            {
                // The shared minute has no request left under this limit: no need to ask again before it ends (or the limit is raised).
                decision = new QuotaDecision(QuotaRefusal.Requests, quota.RequestsPerMinute, _sharedTokens - _tokens);
                return true;
            }
            if ((quota.RequestsPerMinute > 0 && _requests < 1) || (quota.TokensPerMinute > 0 && _tokens < tokens))
            {
                decision = default;
                return false;
            }
            if (quota.RequestsPerMinute > 0)
            {
                _requests--;
            }
            if (quota.TokensPerMinute > 0)
            {
                _tokens -= tokens;
            }
            decision = new QuotaDecision(QuotaRefusal.None, _sharedRequests - _requests, _sharedTokens - _tokens);
            return true;
        }
    }

    /// <summary>What the shared counters granted (or refused), and their counts after it.</summary>
    public void Granted(string minute, Quota quota, QuotaRefusal refused, long grantedRequests, long grantedTokens, long sharedRequests, long sharedTokens)
    {
        lock (_lock)
        {
            Roll(minute);
            _requests += grantedRequests;
            _tokens += grantedTokens;
            _sharedRequests = sharedRequests;
            _sharedTokens = sharedTokens;
            _spentAtLimit = refused == QuotaRefusal.Requests ? quota.RequestsPerMinute : 0;
        }
    }

    /// <summary>
    /// A request admitted in <paramref name="minute"/> used <paramref name="overEstimate"/> tokens more than it took
    /// (fewer when negative). Its share absorbs the difference; what it cannot cover, or what it would hold beyond
    /// <paramref name="keep"/> tokens, is returned for the shared minute (positive: count more; negative: give back),
    /// so tokens one replica did not use serve the others.
    /// </summary>
    public long Settle(string minute, long overEstimate, long keep)
    {
        lock (_lock)
        {
            if (_minute != minute)
            {
                return 0; // that minute is over; its count no longer limits anything
            }
            _tokens -= overEstimate;
            var shared = _tokens < 0 ? -_tokens : _tokens > keep ? keep - _tokens : 0;
            _tokens += shared;
            _sharedTokens += shared;
            return shared;
        }
    }

    /// <summary>Whether this lease has not been used since before the minute before <paramref name="minute"/> (so it can go).</summary>
    public bool Idle(long minute)
    {
        var held = _minute;
        return held.Length > 0 && long.Parse(held, System.Globalization.CultureInfo.InvariantCulture) < minute - 1;
    }

    private void Roll(string minute)
    {
        if (_minute != minute)
        {
            (_minute, _requests, _tokens, _sharedRequests, _sharedTokens, _spentAtLimit) = (minute, 0, 0, 0, 0, 0);
        }
    }
}
