using System.Buffers;
using System.Text.Json;
using GenAiRouter.Ingress.Telemetry;
using GenAiRouter.Protocols;
using GenAiRouter.Protocols.Canonical;
using GenAiRouter.Protocols.Chat;

namespace GenAiRouter.Ingress.Doors.Chat;

/// <summary>
/// Watches a Chat Completions stream as it passes: the usage from the chunk that carries it, and its end (<c>[DONE]</c>,
/// or a chunk with a finish reason). Only the current line is buffered, and only a line naming usage is parsed. With
/// capture on, the chunks are also assembled into the whole <c>chat.completion</c> (for the cache).
/// </summary>
public sealed class ChatUsageScanner(bool captureFinalAnswer) : SseDataScanner
{
    private readonly ChatAnswerReader _reader = new(new ToolNames());
    private readonly ArrayBufferWriter<byte> _nothing = new(1);
    private ChatAnswerWriter? _assembler;

    public override byte[]? FinalAnswer => _assembler is { Ended: true } assembler && assembler.Whole() is ({ } answer, null) ? answer : null;

    /// <summary>Usage from a whole <c>chat.completion</c>; only the <c>usage</c> object is parsed.</summary>
    public static UpstreamUsage? FromAnswer(ReadOnlySpan<byte> json) => UsageOfWhole(json, usage => UpstreamUsage.From(ChatAnswerReader.Usage(usage)));

    protected override void OnData(ReadOnlySpan<byte> data)
    {
        if (data.SequenceEqual("[DONE]"u8))
        {
            Ended = true;
        }
        else if (data.IndexOf("\"finish_reason\":\""u8) >= 0)
        {
            Ended = true;
        }
        if (captureFinalAnswer && _assembler is null && !data.SequenceEqual("[DONE]"u8))
        {
            // The whole completion keeps the upstream's id, model and time, as a non-streamed answer would have them.
            _assembler ??= JsonRead.ParseObject(data) is { } first
                ? new ChatAnswerWriter(new AnswerContext(JsonRead.Text(first, "id") ?? "chatcmpl", JsonRead.Text(first, "model") ?? "", JsonRead.Number(first, "created"), Stream: false, StreamUsage: false))
                : null;
        }
        if (_assembler is not null)
        {
            _assembler.WriteAll(_reader.OnData(data), _nothing);
        }
        // Cheap filter before parsing: only a usage chunk (or a last chunk carrying usage) is read.
        if (data.IndexOf("\"usage\":{"u8) < 0)
        {
            return;
        }
        if (JsonRead.ParseObject(data) is { } parsed && JsonRead.Property(parsed, "usage") is { ValueKind: JsonValueKind.Object } usage)
        {
            Usage = UpstreamUsage.From(ChatAnswerReader.Usage(usage));
        }
    }
}
