namespace GenAiRouter.Ingress.Quotas;

/// <summary>What a request takes from a scope when admitted: one request, an estimate of its tokens, and spend reserved.</summary>
/// <param name="Tokens">Estimated input plus output tokens, settled with the upstream's count at the end.</param>
/// <param name="ReserveMicroUsd">The most the request is expected to cost, in millionths of a dollar, held until it settles.</param>
public readonly record struct QuotaCharge(long Tokens, long ReserveMicroUsd);

/// <summary>Why a request was not admitted.</summary>
public enum QuotaRefusal
{
    None,
    Requests,
    Tokens,
    Concurrency,
    BudgetPerDay,
    BudgetPerMonth,
}

/// <summary>A scope's answer: admitted or why not, and its minute window's counts after the request (for the rate-limit headers).</summary>
public readonly record struct QuotaDecision(QuotaRefusal Refused, long Requests, long Tokens);

/// <summary>
/// The shared counters limits are checked against: requests and tokens in the current minute, requests in flight, and
/// spend (settled plus reserved) in the current UTC day and month. Each admission checks and takes atomically, so
/// concurrent requests on any number of replicas sharing the counters can never both take the last unit.
/// </summary>
public interface IQuotaCounters
{
    ValueTask<QuotaDecision> AdmitAsync(QuotaScope scope, QuotaCharge charge, string requestId, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>The request ended: its tokens replace the estimate (in the minute it was admitted), its cost replaces the reservation, and it leaves the in-flight count.</summary>
    ValueTask SettleAsync(QuotaScope scope, QuotaCharge charge, string requestId, DateTimeOffset admittedAt, long tokens, long costMicroUsd);

    /// <summary>Drops every counter of a caller token (it was revoked).</summary>
    ValueTask ForgetTokenAsync(string keyId);
}

/// <summary>The keys of a scope's counters for the moment a request was admitted.</summary>
public readonly record struct QuotaWindows(string Minute, string Day, string Month)
{
    public static QuotaWindows At(DateTimeOffset now) =>
        new((now.ToUnixTimeSeconds() / 60).ToString(System.Globalization.CultureInfo.InvariantCulture), now.UtcDateTime.ToString("yyyyMMdd", System.Globalization.CultureInfo.InvariantCulture),
            now.UtcDateTime.ToString("yyyyMM", System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>When the minute window, the day and the month in force at <paramref name="now"/> end.</summary>
    public static (DateTimeOffset Minute, DateTimeOffset Day, DateTimeOffset Month) Resets(DateTimeOffset now)
    {
        var utc = now.ToUniversalTime();
        var minute = DateTimeOffset.FromUnixTimeSeconds((utc.ToUnixTimeSeconds() / 60 + 1) * 60);
        var day = new DateTimeOffset(utc.Year, utc.Month, utc.Day, 0, 0, 0, TimeSpan.Zero).AddDays(1);
        var month = new DateTimeOffset(utc.Year, utc.Month, 1, 0, 0, 0, TimeSpan.Zero).AddMonths(1);
        return (minute, day, month);
    }
}

/// <summary>Millionths of a dollar: spend is counted in whole units, so the ledger and the budget agree to the cent.</summary>
public static class MicroUsd
{
    public static long From(double usd) => (long)Math.Round(usd * 1_000_000, MidpointRounding.AwayFromZero);
}
