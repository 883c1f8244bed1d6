using System.Collections.Frozen;
using System.Text.Json;
using GenAiRouter.Contracts.V1;
using GenAiRouter.Ingress.Auth;
using GenAiRouter.Ingress.Routing;
using GenAiRouter.Ingress.Telemetry;
using GenAiRouter.Routing;

namespace GenAiRouter.Ingress.Doors.Responses;

/// <summary>The OpenAI Responses API: <c>POST /v1/responses</c> (Codex, the OpenAI SDKs, opencode, pi...).</summary>
public sealed class ResponsesDoor : IDoor
{
    private static readonly FrozenSet<string> IgnoredByCache = FrozenSet.Create(StringComparer.Ordinal,
        // How the answer is delivered, client bookkeeping, provider-side cache hints: none changes the answer.
        "stream", "stream_options", "store", "metadata", "client_metadata", "prompt_cache_key", "prompt_cache_retention",
        "user", "safety_identifier");

    public Protocol Protocol => Protocol.Responses;

    public string Path => "/v1/responses";

    public string ReasoningParam => "reasoning.effort";

    public IReadOnlySet<string> CacheIgnoredFields => IgnoredByCache;

    private static readonly ReadOnlyMemory<byte> EncryptedContent = "encrypted_content"u8.ToArray();

    /// <summary>Encrypted reasoning is sealed with the boundary of the target that made it.</summary>
    public AnswerRewriter? Rewriter(DoorRequest request, Target target) => new ReasoningSeals.Sealer(EncryptedContent, ReasoningSeals.TagOf(target));

    public (string? Token, AuthFailure Failure) CallerToken(HttpRequest request) => CallerCredentials.Bearer(request);

    public DoorRequest Read(ReadOnlySpan<byte> body) => ResponsesRequestClassifier.Classify(body);

    public Task WriteErrorAsync(HttpContext http, RouterError problem) => OpenAiErrors.WriteAsync(http, problem);

    /// <summary>The Responses stream's <c>error</c> event.</summary>
    public byte[] StreamError(RouterError problem)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(256);
        "event: error\ndata: "u8.CopyTo(buffer.GetSpan(19));
        buffer.Advance(19);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("type", "error");
            json.WriteString("code", problem.Code);
            json.WriteString("message", problem.Message);
            json.WriteNull("param");
            json.WriteEndObject();
        }
        "\n\n"u8.CopyTo(buffer.GetSpan(2));
        buffer.Advance(2);
        return buffer.WrittenSpan.ToArray();
    }

    public IAnswerStreamScanner ScanStream(bool captureFinalAnswer) => new ResponsesUsageScanner(captureFinalAnswer);

    public UpstreamUsage? UsageOf(ReadOnlySpan<byte> answer) => ResponsesUsageScanner.FromAnswer(answer);

    public bool IsComplete(ReadOnlySpan<byte> answer)
    {
        var reader = new Utf8JsonReader(answer);
        try
        {
            return TopLevelProperty.Seek(ref reader, "status"u8) && reader.TokenType == JsonTokenType.String && reader.ValueTextEquals("completed"u8);
        }
        catch (JsonException)
        {
            return false;
        }
    }

    public byte[] ReplayAsStream(ReadOnlySpan<byte> answer, DoorRequest request) => ResponsesStreamReplay.ToSse(answer);
}
