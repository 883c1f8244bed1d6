using System.Diagnostics;
using GenAiRouter.Contracts.V1;
using Google.Protobuf.WellKnownTypes;

namespace GenAiRouter.Ingress;

/// <summary>What one request did, gathered as it goes, for its usage event.</summary>
public sealed class RequestRecord(long startedAt)
{
    private static readonly object Key = new();

    public long StartedAt { get; } = startedAt;
    public string Group { get; set; } = "";
    public bool Stream { get; set; }
    public int ImageCount { get; set; }
    public Target? Target { get; set; }
    public double? FirstByteMs { get; set; }
    public UpstreamUsage? Usage { get; set; }
    /// <summary>Answered from the response cache: no upstream was called.</summary>
    public bool CacheHit { get; set; }
    /// <summary>Set when the cache wants this request's final response (a miss on a cacheable request).</summary>
    public bool CaptureFinalResponse { get; set; }
    /// <summary>The completed response object, when captured.</summary>
    public byte[]? FinalResponse { get; set; }
    /// <summary>The whole answer reached the caller; a disconnect after this is not a 499.</summary>
    public bool Delivered { get; set; }

    public static RequestRecord? Of(HttpContext http) => http.Items[Key] as RequestRecord;

    public static RequestRecord Start(HttpContext http, long startedAt)
    {
        var record = new RequestRecord(startedAt);
        http.Items[Key] = record;
        return record;
    }

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

/// <summary>Turns a finished request into its usage event, costs included, from the catalog's prices.</summary>
public static class UsageMeter
{
    public static UsageEvent Build(string requestId, Caller caller, RequestRecord record, int status, DateTimeOffset now)
    {
        var target = record.Target;
        var usage = record.Usage;
        var e = new UsageEvent
        {
            RequestId = requestId,
            Time = Timestamp.FromDateTimeOffset(now),
            KeyId = caller.KeyId,
            User = caller.User,
            Project = caller.Project,
            Env = caller.Env,
            Group = record.Group,
            Target = target?.Name ?? "",
            UpstreamModel = target?.Model ?? "",
            Endpoint = "/v1/responses",
            Stream = record.Stream,
            Bridged = target?.Api == TargetApi.Chat,
            Status = status,
            LatencyMs = Stopwatch.GetElapsedTime(record.StartedAt).TotalMilliseconds,
            TimeToFirstByteMs = record.FirstByteMs ?? 0,
            InputTokens = usage?.InputTokens ?? 0,
            CachedInputTokens = usage?.CachedInputTokens ?? 0,
            OutputTokens = usage?.OutputTokens ?? 0,
            ReasoningTokens = usage?.ReasoningTokens ?? 0,
            InputHasImage = record.ImageCount > 0,
            ImageCount = record.ImageCount,
            CacheHit = record.CacheHit,
        };
        if (record.CacheHit)
        {
            // Served from the cache: nothing was spent upstream, and chargeback should say so, not leave a gap.
            e.TextCost = 0;
            return e;
        }
        // Costs only when the upstream reported usage: a guess would be worse than a gap for chargeback.
        if (usage is not null && target?.Prices is { } prices)
        {
            var uncached = Math.Max(0, usage.InputTokens - usage.CachedInputTokens);
            e.TextCost = ((uncached * prices.InputPerMtok) + (usage.CachedInputTokens * prices.CachedInputPerMtok) + (usage.OutputTokens * prices.OutputPerMtok)) / 1_000_000d;
            if (record.ImageCount > 0)
            {
                e.ImageCost = record.ImageCount * prices.PerImage;
            }
        }
        return e;
    }
}
