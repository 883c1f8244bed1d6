namespace GenAiRouter.Ingress.Quotas;

/// <summary>Says once per minute, to exactly one of the concurrent requests asking, that it is time to sweep.</summary>
public sealed class MinuteSweep
{
    private long _nextMinute;

    public bool Due(DateTimeOffset now)
    {
        var minute = now.ToUnixTimeSeconds() / 60;
        var next = Interlocked.Read(ref _nextMinute);
        return minute >= next && Interlocked.CompareExchange(ref _nextMinute, minute + 1, next) == next;
    }
}
