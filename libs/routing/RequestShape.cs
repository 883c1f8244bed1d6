namespace GenAiRouter.Routing;

/// <summary>What a request needs from a target, as ingress classifies it.</summary>
public sealed record RequestShape
{
    public bool FunctionTools { get; init; }
    /// <summary>Provider-hosted tools such as <c>web_search</c>.</summary>
    public bool HostedTools { get; init; }
    public int ImageCount { get; init; }
    /// <summary>The requested <c>reasoning.effort</c>, or null.</summary>
    public string? ReasoningEffort { get; init; }
    public bool Stream { get; init; }
    public bool StructuredOutput { get; init; }
    public bool PreviousResponseId { get; init; }

    public static RequestShape Text { get; } = new();
}
