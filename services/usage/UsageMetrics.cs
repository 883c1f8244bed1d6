using System.Diagnostics.Metrics;

namespace GenAiRouter.Usage;

/// <summary>The usage pipeline's end: events stored, redeliveries acknowledged, retries asked for, malformed deliveries dropped.</summary>
public sealed class UsageMetrics(IMeterFactory meters)
{
    private readonly Counter<long> _events = meters.Create("GenAiRouter.Usage").CreateCounter<long>("router.usage.received", "{event}",
        "Usage events delivered to the usage service, by outcome (stored, redelivered, retry, malformed)");

    public void Events(string outcome, int count) => _events.Add(count, new KeyValuePair<string, object?>("outcome", outcome));
}
