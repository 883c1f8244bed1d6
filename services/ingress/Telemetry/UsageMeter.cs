using GenAiRouter.Contracts.V1;
using Google.Protobuf.WellKnownTypes;

namespace GenAiRouter.Ingress.Telemetry;

/// <summary>Turns a finished request into its usage event, costs included, from the catalog's prices.</summary>
public static class UsageMeter
{
    public static UsageEvent Build(Caller caller, RequestRecord record, int status, DateTimeOffset now)
    {
        var target = record.Target;
        var usage = record.Usage;
        var e = new UsageEvent
        {
            RequestId = record.RequestId,
            Time = Timestamp.FromDateTimeOffset(now),
            KeyId = caller.KeyId,
            User = caller.User,
            Project = caller.Project,
            Env = caller.Env,
            Group = record.Group,
            Target = target?.Name ?? "",
            UpstreamModel = target?.Model ?? "",
            Endpoint = record.Door.Path,
            Stream = record.Stream,
            // Translated: the target speaks another protocol than the door the caller came in by.
            Bridged = target is not null && target.Api != record.Door.Protocol,
            Status = status,
            LatencyMs = record.LatencyMs,
            TimeToFirstByteMs = record.FirstByteMs ?? 0,
            InputTokens = usage?.InputTokens ?? 0,
            CachedInputTokens = usage?.CachedInputTokens ?? 0,
            CacheWriteInputTokens = usage?.CacheWriteTokens ?? 0,
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
            var plain = Math.Max(0, usage.InputTokens - usage.CachedInputTokens - usage.CacheWriteTokens);
            // A cache write costs at least plain input; without its own price it is charged as input.
            var cacheWritePrice = prices.CacheWritePerMtok > 0 ? prices.CacheWritePerMtok : prices.InputPerMtok;
            e.TextCost = ((plain * prices.InputPerMtok) + (usage.CachedInputTokens * prices.CachedInputPerMtok)
                + (usage.CacheWriteTokens * cacheWritePrice) + (usage.OutputTokens * prices.OutputPerMtok)) / 1_000_000d;
            if (record.ImageCount > 0)
            {
                e.ImageCost = record.ImageCount * prices.PerImage;
            }
        }
        return e;
    }
}
