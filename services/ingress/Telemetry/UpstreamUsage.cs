namespace GenAiRouter.Ingress.Telemetry;

/// <summary>Token usage as the upstream reported it, in the router's terms whatever the protocol.</summary>
public sealed record UpstreamUsage(long InputTokens, long CachedInputTokens, long OutputTokens, long ReasoningTokens);
