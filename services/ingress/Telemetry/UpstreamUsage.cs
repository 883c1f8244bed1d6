namespace GenAiRouter.Ingress.Telemetry;

/// <summary>
/// Token usage as the upstream reported it, in the router's terms whatever the protocol: <see cref="InputTokens"/> is
/// all the input, of which <see cref="CachedInputTokens"/> was read from the upstream's prompt cache and
/// <see cref="CacheWriteTokens"/> written to it.
/// </summary>
public sealed record UpstreamUsage(long InputTokens, long CachedInputTokens, long OutputTokens, long ReasoningTokens, long CacheWriteTokens = 0)
{
    public static UpstreamUsage From(GenAiRouter.Protocols.Canonical.AnswerUsage usage) =>
        new(usage.Input, usage.CachedInput, usage.Output, usage.Reasoning, usage.CacheWrite);
}
