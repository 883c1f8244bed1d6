using System.Diagnostics;
using GenAiRouter.Contracts.V1;
using GenAiRouter.Ingress.Doors;

namespace GenAiRouter.Ingress.Telemetry;

/// <summary>What one request did, gathered as it goes: its usage event, its log line and the cache's capture come from here.</summary>
public sealed class RequestRecord(string requestId, long startedAt, IDoor door)
{
    private long _callerLeftAt;

    public string RequestId { get; } = requestId;
    public long StartedAt { get; } = startedAt;
    public IDoor Door { get; } = door;
    public string Group { get; set; } = "";
    public bool Stream { get; set; }
    public int ImageCount { get; set; }
    public Target? Target { get; set; }
    public double? FirstByteMs { get; set; }
    /// <summary>The request's hold on its rate limits and budgets, settled when it ends.</summary>
    public Quotas.QuotaAdmission? Quota { get; set; }
    /// <summary>The group names one in the catalog (an unknown name is the caller's words: no metric label).</summary>
    public bool GroupFound { get; set; }
    /// <summary>Time spent waiting on targets, each from the moment the router called it to its response head (or failure).</summary>
    public double? UpstreamWaitMs { get; set; }
    public UpstreamUsage? Usage { get; set; }
    /// <summary>Answered from the response cache: no upstream was called.</summary>
    public bool CacheHit { get; private set; }
    /// <summary>Set when the cache wants this request's final answer (a miss on a cacheable request).</summary>
    public bool CaptureFinalAnswer { get; set; }
    /// <summary>The whole final answer, when captured.</summary>
    public byte[]? FinalAnswer { get; set; }
    /// <summary>The whole answer reached the caller; a disconnect after this is not a 499.</summary>
    public bool Delivered { get; set; }

    /// <summary>The caller went away: a 499, whose latency is the time until it left, not until the router noticed.</summary>
    public bool CallerLeft => Interlocked.Read(ref _callerLeftAt) != 0 && !Delivered;

    /// <summary>From the start of the request to its end, or to the moment the caller left.</summary>
    public double LatencyMs
    {
        get
        {
            var left = Interlocked.Read(ref _callerLeftAt);
            return (left != 0 && !Delivered ? Stopwatch.GetElapsedTime(StartedAt, left) : Stopwatch.GetElapsedTime(StartedAt)).TotalMilliseconds;
        }
    }

    /// <summary>Registered on the request's abort token; the first call wins.</summary>
    public static void MarkCallerLeft(object? record) =>
        Interlocked.CompareExchange(ref ((RequestRecord)record!)._callerLeftAt, Stopwatch.GetTimestamp(), 0);

    /// <summary>The answer comes from the response cache.</summary>
    public void ServedFromCache()
    {
        CacheHit = true;
        FirstByteMs = Stopwatch.GetElapsedTime(StartedAt).TotalMilliseconds;
    }

    /// <summary>The answer's first byte is about to reach the caller: from here on there is no failover.</summary>
    public void Committed(Target target)
    {
        Target = target;
        FirstByteMs = Stopwatch.GetElapsedTime(StartedAt).TotalMilliseconds;
    }
}
