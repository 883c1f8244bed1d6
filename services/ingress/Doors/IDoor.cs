using GenAiRouter.Contracts.V1;
using GenAiRouter.Ingress.Auth;
using GenAiRouter.Ingress.Routing;
using GenAiRouter.Ingress.Telemetry;

namespace GenAiRouter.Ingress.Doors;

/// <summary>
/// A front door: one protocol callers speak. It knows that protocol's wire (where the caller token is, how a request
/// reads, how errors, streams and usage look); everything else (auth, gating, cache, failover, usage events) is the
/// routing core's, shared by every door.
/// </summary>
public interface IDoor
{
    Protocol Protocol { get; }

    /// <summary>The path callers post to; usage events record it as the endpoint.</summary>
    string Path { get; }

    /// <summary>Where a request of this door asks for a reasoning level (for messages that name it).</summary>
    string ReasoningParam { get; }

    /// <summary>The caller token the request presents, or why there is none.</summary>
    (string? Token, AuthFailure Failure) CallerToken(HttpRequest request);

    /// <exception cref="BadRequestBodyException">The body cannot be routed.</exception>
    DoorRequest Read(ReadOnlySpan<byte> body);

    /// <summary>Headers of the caller's request that a target of this door's protocol must see too (e.g. an API version).</summary>
    IReadOnlyList<KeyValuePair<string, string>>? NativeHeaders(HttpRequest request) => null;

    Task WriteErrorAsync(HttpContext http, RouterError problem);

    /// <summary>The frame that ends a stream already under way with <paramref name="problem"/>.</summary>
    byte[] StreamError(RouterError problem);

    /// <summary>Watches an answer stream in this protocol as it passes (usage, the terminal event, the final answer).</summary>
    IAnswerStreamScanner ScanStream(bool captureFinalAnswer);

    /// <summary>Usage from a whole (non-streamed) answer in this protocol.</summary>
    UpstreamUsage? UsageOf(ReadOnlySpan<byte> answer);

    /// <summary>
    /// How answers for <paramref name="request"/> from <paramref name="target"/> change on their way to the caller (e.g.
    /// encrypted reasoning sealed with the target's boundary); null when they go as they are.
    /// </summary>
    AnswerRewriter? Rewriter(DoorRequest request, Target target);

    /// <summary>Top-level request fields that do not change the answer, left out of the cache key.</summary>
    IReadOnlySet<string> CacheIgnoredFields { get; }

    /// <summary>Only a finished answer is worth replaying.</summary>
    bool IsComplete(ReadOnlySpan<byte> answer);

    /// <summary>A cached (whole) answer as the stream a streaming caller of <paramref name="request"/> expects.</summary>
    byte[] ReplayAsStream(ReadOnlySpan<byte> answer, DoorRequest request);
}

/// <summary>Watches an answer stream as it passes through, without re-serialising it.</summary>
public interface IAnswerStreamScanner : IDisposable
{
    void Observe(ReadOnlySpan<byte> chunk);

    UpstreamUsage? Usage { get; }

    /// <summary>The stream's terminal event went by: it ended as the protocol says, not cut short.</summary>
    bool Ended { get; }

    /// <summary>With capture on: the final answer of a completed stream, as a whole answer (for the cache).</summary>
    byte[]? FinalAnswer { get; }
}
