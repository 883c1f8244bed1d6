using System.Buffers;
using System.Text.Json;
using GenAiRouter.Ingress.Telemetry;
using GenAiRouter.Protocols;
using GenAiRouter.Protocols.Canonical;
using GenAiRouter.Protocols.Chat;
using GenAiRouter.Routing;

namespace GenAiRouter.Ingress.Doors.Chat;

/// <summary>
/// Watches a Chat Completions stream as it passes: the usage from the chunk that carries it, and its end (<c>[DONE]</c>,
/// or a chunk with a finish reason). Only the current line is buffered, and only a line naming usage is parsed. With
/// capture on, the chunks are also assembled into the whole <c>chat.completion</c> (for the cache).
/// </summary>
public sealed class ChatUsageScanner(bool captureFinalAnswer) : IAnswerStreamScanner
{
    private readonly ArrayBufferWriter<byte> _line = new(1024);
    private readonly ChatAnswerReader _reader = new(new ToolNames());
    private readonly ArrayBufferWriter<byte> _nothing = new(1);
    private ChatAnswerWriter? _assembler;

    public UpstreamUsage? Usage { get; private set; }

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

    /// <summary>Usage from a whole <c>chat.completion</c>; only the <c>usage</c> object is parsed.</summary>
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
            return UpstreamUsage.From(ChatAnswerReader.Usage(usage.RootElement));
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
