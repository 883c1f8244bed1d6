using System.Buffers;
using System.Text.Json;
using GenAiRouter.Ingress.Telemetry;
using GenAiRouter.Protocols;
using GenAiRouter.Protocols.Canonical;
using GenAiRouter.Protocols.Messages;
using GenAiRouter.Routing;

namespace GenAiRouter.Ingress.Doors.Messages;

/// <summary>
/// Watches an Anthropic Messages stream as it passes: the input usage from <c>message_start</c>, the output usage
/// and stop reason from <c>message_delta</c>, the end at <c>message_stop</c>. Only the current line is buffered, and
/// only lines naming usage are parsed. With capture on, the events are also assembled into the whole <c>message</c>
/// (for the cache).
/// </summary>
public sealed class MessagesUsageScanner(bool captureFinalAnswer) : IAnswerStreamScanner
{
    private readonly ArrayBufferWriter<byte> _line = new(1024);
    private readonly MessagesAnswerReader? _reader = captureFinalAnswer ? new(new ToolNames()) : null;
    private readonly ArrayBufferWriter<byte> _nothing = new(1);
    private MessagesAnswerWriter? _assembler;
    private AnswerUsage _usage = new(0, 0, 0, 0);
    private bool _sawUsage;

    public UpstreamUsage? Usage => _sawUsage ? UpstreamUsage.From(_usage) : null;

    public bool Ended { get; private set; }

    public byte[]? FinalAnswer => _assembler is { Ended: true } assembler && assembler.Whole() is ({ } answer, null) ? answer : null;

    public void Observe(ReadOnlySpan<byte> chunk)
    {
        while (!chunk.IsEmpty)
        {
            var newline = chunk.IndexOf((byte)'\n');
            if (newline < 0)
            {
                _line.Write(chunk);
                return;
            }
            if (_line.WrittenCount > 0)
            {
                _line.Write(chunk[..newline]);
                EndLine(_line.WrittenSpan);
                _line.ResetWrittenCount();
            }
            else
            {
                EndLine(chunk[..newline]);
            }
            chunk = chunk[(newline + 1)..];
        }
    }

    /// <summary>Usage from a whole <c>message</c>; only its <c>usage</c> object is parsed.</summary>
    public static UpstreamUsage? FromAnswer(ReadOnlySpan<byte> json)
    {
        try
        {
            var reader = new Utf8JsonReader(json);
            if (!TopLevelProperty.Seek(ref reader, "usage"u8) || reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }
            using var usage = JsonDocument.ParseValue(ref reader);
            return UpstreamUsage.From(MessagesAnswerReader.Usage(usage.RootElement, new AnswerUsage(0, 0, 0, 0)));
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public void Dispose() => _line.Clear();

    private void EndLine(ReadOnlySpan<byte> line)
    {
        if (!line.StartsWith("data:"u8))
        {
            return;
        }
        var data = line[5..].TrimEnd((byte)'\r').TrimStart((byte)' ');
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
            _sawUsage = true;
        }
        // A stream that says how it stopped is complete even if message_stop never comes.
        if (JsonRead.Text(e, "type") == "message_delta" && JsonRead.Property(e, "delta") is { } delta && JsonRead.Text(delta, "stop_reason") is not null)
        {
            Ended = true;
        }
    }
}
