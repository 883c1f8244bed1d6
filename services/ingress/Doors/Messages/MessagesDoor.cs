using System.Buffers;
using System.Collections.Frozen;
using System.Text.Json;
using GenAiRouter.Contracts.V1;
using GenAiRouter.Ingress.Auth;
using GenAiRouter.Ingress.Routing;
using GenAiRouter.Ingress.Telemetry;
using GenAiRouter.Protocols;
using GenAiRouter.Protocols.Canonical;
using GenAiRouter.Protocols.Messages;

namespace GenAiRouter.Ingress.Doors.Messages;

/// <summary>
/// Anthropic's Messages API: <c>POST /v1/messages</c> (Claude Code, the Anthropic SDKs, pi and Copilot CLI in their
/// Anthropic modes). The caller token comes as <c>x-api-key</c> or <c>Authorization: Bearer</c>; errors are in
/// Anthropic's shape; thinking signatures are sealed with the target's boundary like encrypted reasoning.
/// </summary>
public sealed class MessagesDoor : IDoor
{
    private static readonly FrozenSet<string> IgnoredByCache = FrozenSet.Create(StringComparer.Ordinal,
        // How the answer is delivered and who asked: neither changes the answer.
        "stream", "metadata");

    /// <summary>The caller's protocol headers a Messages target must see: the API version and the beta features the body uses.</summary>
    private static readonly string[] Forwarded = ["anthropic-version", "anthropic-beta"];

    public Protocol Protocol => Protocol.Messages;

    public string Path => "/v1/messages";

    public string ReasoningParam => "thinking";

    public IReadOnlySet<string> CacheIgnoredFields => IgnoredByCache;

    public (string? Token, AuthFailure Failure) CallerToken(HttpRequest request) => CallerCredentials.ApiKeyOrBearer(request);

    public DoorRequest Read(ReadOnlySpan<byte> body) => MessagesRequestClassifier.Classify(body);

    public IReadOnlyList<KeyValuePair<string, string>>? NativeHeaders(HttpRequest request)
    {
        List<KeyValuePair<string, string>>? headers = null;
        foreach (var name in Forwarded)
        {
            if (request.Headers[name] is { Count: > 0 } values && values.ToString() is { Length: > 0 and <= 1024 } value)
            {
                (headers ??= []).Add(new(name, value));
            }
        }
        return headers;
    }

    public Task WriteErrorAsync(HttpContext http, RouterError problem) => AnthropicErrors.WriteAsync(http, problem);

    public byte[] StreamError(RouterError problem) => AnthropicErrors.StreamEvent(problem);

    public IAnswerStreamScanner ScanStream(bool captureFinalAnswer) => new MessagesUsageScanner(captureFinalAnswer);

    public UpstreamUsage? UsageOf(ReadOnlySpan<byte> answer) => MessagesUsageScanner.FromAnswer(answer);

    public AnswerRewriter? Rewriter(DoorRequest request, Target target) => new ThinkingSealer(ReasoningSeals.TagOf(target));

    public bool IsComplete(ReadOnlySpan<byte> answer) =>
        JsonRead.ParseObject(answer) is { } message && JsonRead.Text(message, "type") == "message" && JsonRead.Text(message, "stop_reason") == "end_turn";

    /// <summary>A cached message as the events a streaming caller expects.</summary>
    public byte[] ReplayAsStream(ReadOnlySpan<byte> answer, DoorRequest request)
    {
        var message = JsonRead.ParseObject(answer) ?? throw new JsonException("a cached message is not a JSON object");
        var writer = new MessagesAnswerWriter(new AnswerContext(JsonRead.Text(message, "id") ?? "msg_cached", JsonRead.Text(message, "model") ?? request.Group, 0, Stream: true, StreamUsage: true));
        var output = new ArrayBufferWriter<byte>(answer.Length * 2);
        writer.Start(output);
        writer.WriteAll(new MessagesAnswerReader(new ToolNames()).OnWhole(message), output);
        return output.WrittenSpan.ToArray();
    }
}
