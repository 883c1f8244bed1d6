using System.Runtime.CompilerServices;
using GenAiRouter.Contracts.V1;

namespace GenAiRouter.Upstream;

/// <summary>Where a target's API answers, by the protocol it speaks.</summary>
public static class TargetEndpoint
{
    // Targets live as long as their catalog snapshot; their URI is made once, not per request.
    private static readonly ConditionalWeakTable<Target, Uri> Uris = new();

    public static Uri Uri(Target target) => Uris.GetValue(target, static t => new Uri(t.BaseUrl.TrimEnd('/') + Path(t.Api)));

    public static string Path(Protocol api) => api switch
    {
        Protocol.Chat => "/chat/completions",
        Protocol.Messages => "/messages",
        _ => "/responses",
    };

    /// <summary>Another operation of the target's API, e.g. <c>/messages/count_tokens</c>.</summary>
    public static Uri Uri(Target target, string path) => new(target.BaseUrl.TrimEnd('/') + path);
}
