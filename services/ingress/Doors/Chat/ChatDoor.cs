using System.Buffers;
using System.Collections.Frozen;
using System.Text.Json;
using GenAiRouter.Contracts.V1;
using GenAiRouter.Ingress.Auth;
using GenAiRouter.Ingress.Routing;
using GenAiRouter.Ingress.Telemetry;
using GenAiRouter.Protocols;
using GenAiRouter.Protocols.Canonical;
using GenAiRouter.Protocols.Chat;
using GenAiRouter.Routing;

namespace GenAiRouter.Ingress.Doors.Chat;

/// <summary>
/// OpenAI's Chat Completions API: <c>POST /v1/chat/completions</c> (opencode, Qwen Code, Kilo, Cline, Continue, pi,
/// Grok CLI, the OpenAI and AI SDKs...).
/// </summary>
public sealed class ChatDoor : IDoor
{
    private static readonly FrozenSet<string> IgnoredByCache = FrozenSet.Create(StringComparer.Ordinal,
        // How the answer is delivered, client bookkeeping, provider-side cache hints: none changes the answer.
        "stream", "stream_options", "store", "metadata", "prompt_cache_key", "user", "safety_identifier");

    public Protocol Protocol => Protocol.Chat;

    public string Path => "/v1/chat/completions";

    public string ReasoningParam => "reasoning_effort";

    public IReadOnlySet<string> CacheIgnoredFields => IgnoredByCache;

    public (string? Token, AuthFailure Failure) CallerToken(HttpRequest request) => CallerCredentials.Bearer(request);

    public DoorRequest Read(ReadOnlySpan<byte> body) => ChatRequestClassifier.Classify(body);

    public Task WriteErrorAsync(HttpContext http, RouterError problem) => OpenAiErrors.WriteAsync(http, problem);

    /// <summary>What OpenAI sends when a chat stream fails: an <c>error</c> object as a data line.</summary>
    public byte[] StreamError(RouterError problem)
    {
        var json = new ArrayBufferWriter<byte>(256);
        using (var w = new Utf8JsonWriter(json, JsonOutput.Options))
        {
            w.WriteStartObject();
            w.WriteStartObject("error");
            w.WriteString("message", problem.Message);
            w.WriteString("type", problem.Type);
            w.WriteString("code", problem.Code);
            w.WriteEndObject();
            w.WriteEndObject();
        }
        var frame = new ArrayBufferWriter<byte>(json.WrittenCount + 16);
        JsonOutput.Frame(frame, null, json.WrittenSpan);
        return frame.WrittenSpan.ToArray();
    }

    public IAnswerStreamScanner ScanStream(bool captureFinalAnswer) => new ChatUsageScanner(captureFinalAnswer);

    public UpstreamUsage? UsageOf(ReadOnlySpan<byte> answer) => ChatUsageScanner.FromAnswer(answer);

    public AnswerRewriter? Rewriter(DoorRequest request, Target target) => request.HideStreamUsage ? new UsageChunkHider() : null;

    public bool IsComplete(ReadOnlySpan<byte> answer)
    {
        var completion = JsonRead.ParseObject(answer);
        return completion is { } c && c.TryGetProperty("choices", out var choices) && choices.ValueKind == JsonValueKind.Array
            && choices.GetArrayLength() == 1 && JsonRead.Text(choices[0], "finish_reason") == "stop";
    }

    /// <summary>A cached completion as the chunks a streaming caller expects, usage included when it asked for it.</summary>
    public byte[] ReplayAsStream(ReadOnlySpan<byte> answer, DoorRequest request)
    {
        var completion = JsonRead.ParseObject(answer) ?? throw new JsonException("a cached chat completion is not a JSON object");
        var writer = new ChatAnswerWriter(new AnswerContext(JsonRead.Text(completion, "id") ?? "chatcmpl-cached", JsonRead.Text(completion, "model") ?? request.Group,
            JsonRead.Number(completion, "created"), Stream: true, StreamUsage: !request.HideStreamUsage));
        var output = new ArrayBufferWriter<byte>(answer.Length * 2);
        writer.Start(output);
        writer.WriteAll(new ChatAnswerReader(new ToolNames()).OnWhole(completion), output);
        return output.WrittenSpan.ToArray();
    }
}
