using System.Buffers;
using System.Text.Json;
using GenAiRouter.Ingress.Telemetry;
using GenAiRouter.Protocols;
using GenAiRouter.Protocols.Canonical;
using GenAiRouter.Protocols.Messages;

namespace GenAiRouter.Ingress.Doors.Messages;

/// <summary>
/// Watches an Anthropic Messages stream as it passes: the input usage from <c>message_start</c>, the output usage
/// and stop reason from <c>message_delta</c>, the end at <c>message_stop</c>. Only the current line is buffered, and
/// only lines naming usage are parsed. With capture on, the events are also assembled into the whole <c>message</c>
/// (for the cache).
/// </summary>
public sealed class MessagesUsageScanner(bool captureFinalAnswer) : SseDataScanner
{
    private readonly MessagesAnswerReader? _reader = captureFinalAnswer ? new(new ToolNames()) : null;
    private readonly ArrayBufferWriter<byte> _nothing = new(1);
    private MessagesAnswerWriter? _assembler;
    private AnswerUsage _usage = new(0, 0, 0, 0);

    public override byte[]? FinalAnswer => _assembler is { Ended: true } assembler && assembler.Whole() is ({ } answer, null) ? answer : null;

    /// <summary>Usage from a whole <c>message</c>; only its <c>usage</c> object is parsed.</summary>
    public static UpstreamUsage? FromAnswer(ReadOnlySpan<byte> json) =>
        UsageOfWhole(json, usage => UpstreamUsage.From(MessagesAnswerReader.Usage(usage, new AnswerUsage(0, 0, 0, 0))));

    protected override void OnData(ReadOnlySpan<byte> data)
    {
        if (_reader is not null)
        {
            // The whole message keeps the upstream's id and model, as a non-streamed answer would have them.
            if (_assembler is null && data.IndexOf("\"message_start\""u8) >= 0 && JsonRead.ParseObject(data) is { } start && JsonRead.Property(start, "message") is { } message)
            {
                _assembler = new MessagesAnswerWriter(new AnswerContext(JsonRead.Text(message, "id") ?? "msg", JsonRead.Text(message, "model") ?? "", 0, Stream: false, StreamUsage: false));
            }
            _assembler?.WriteAll(_reader.OnData(data), _nothing);
        }
        if (data.IndexOf("\"message_stop\""u8) >= 0)
        {
            Ended = true;
            return;
        }
        // Cheap filter before parsing: only message_start and message_delta carry usage.
        if (data.IndexOf("\"usage\""u8) < 0 || JsonRead.ParseObject(data) is not { } e)
        {
            return;
        }
        var usage = JsonRead.Text(e, "type") switch
        {
            "message_start" => JsonRead.Property(e, "message") is { } m ? JsonRead.Property(m, "usage") : null,
            "message_delta" => JsonRead.Property(e, "usage"),
            _ => null,
        };
        if (usage is { ValueKind: JsonValueKind.Object } reported)
        {
            _usage = MessagesAnswerReader.Usage(reported, _usage);
            Usage = UpstreamUsage.From(_usage);
        }
        // A stream that says how it stopped is complete even if message_stop never comes.
        if (JsonRead.Text(e, "type") == "message_delta" && JsonRead.Property(e, "delta") is { } delta && JsonRead.Text(delta, "stop_reason") is not null)
        {
            Ended = true;
        }
    }
}
