using System.Text.Json;
using GenAiRouter.Protocols.Canonical;

namespace GenAiRouter.Ingress.Doors.Messages;

/// <summary>
/// Seals the reasoning in a Messages answer with the target's boundary tag (see <see cref="ReasoningSeals"/>): the
/// <c>signature</c> of thinking blocks and the <c>data</c> of redacted ones, and nothing else; a tool's input may hold
/// fields of the same names. In a stream, <c>signature_delta</c> events and <c>redacted_thinking</c> block starts.
/// </summary>
public sealed class ThinkingSealer(ReadOnlyMemory<byte> tag) : AnswerRewriter
{
    protected override bool Touches(ReadOnlySpan<byte> bytes) => bytes.IndexOf("\"signature"u8) >= 0 || bytes.IndexOf("redacted_thinking"u8) >= 0;

    protected override byte[]? RewriteLines(ReadOnlySpan<byte> lines)
    {
        List<int>? at = null;
        var offset = 0;
        while (offset < lines.Length)
        {
            var end = lines[offset..].IndexOf((byte)'\n');
            var line = end < 0 ? lines[offset..] : lines[offset..(offset + end + 1)];
            if (line.StartsWith("data:"u8) && Touches(line) && ValueOf(line) is { } value)
            {
                (at ??= []).Add(offset + value);
            }
            offset += line.Length;
        }
        return at is null ? null : ReasoningSeals.Insert(lines, at, tag.Span);
    }

    public override byte[]? RewriteWhole(ReadOnlySpan<byte> answer)
    {
        List<int>? at = null;
        try
        {
            var reader = new Utf8JsonReader(answer);
            if (!GenAiRouter.Routing.TopLevelProperty.Seek(ref reader, "content"u8) || reader.TokenType != JsonTokenType.StartArray)
            {
                return null;
            }
            var depth = reader.CurrentDepth;
            string? type = null;
            var value = -1;
            while (reader.Read() && reader.CurrentDepth > depth)
            {
                if (reader.CurrentDepth == depth + 1 && reader.TokenType == JsonTokenType.StartObject)
                {
                    (type, value) = (null, -1);
                }
                else if (reader.CurrentDepth == depth + 1 && reader.TokenType == JsonTokenType.EndObject)
                {
                    if (value >= 0 && type is "thinking" or "redacted_thinking")
                    {
                        (at ??= []).Add(value);
                    }
                }
                else if (reader.CurrentDepth == depth + 2 && reader.TokenType == JsonTokenType.PropertyName)
                {
                    var field = reader.ValueTextEquals("type"u8) ? 0 : reader.ValueTextEquals("signature"u8) || reader.ValueTextEquals("data"u8) ? 1 : 2;
                    reader.Read();
                    if (field == 0 && reader.TokenType == JsonTokenType.String)
                    {
                        type = reader.GetString();
                    }
                    else if (field == 1 && reader.TokenType == JsonTokenType.String && reader.ValueSpan.Length > 0)
                    {
                        value = (int)reader.TokenStartIndex + 1;
                    }
                    reader.Skip();
                }
            }
        }
        catch (JsonException)
        {
            return null;
        }
        return at is null ? null : ReasoningSeals.Insert(answer, at, tag.Span);
    }

    /// <summary>Where the reasoning value of a stream event begins, when the event carries one.</summary>
    private static int? ValueOf(ReadOnlySpan<byte> line)
    {
        var data = line[5..].TrimEnd("\r\n"u8).TrimStart((byte)' ');
        if (JsonRead.ParseObject(data) is not { } e)
        {
            return null;
        }
        var field = JsonRead.Text(e, "type") switch
        {
            "content_block_delta" when JsonRead.Property(e, "delta") is { } d && JsonRead.Text(d, "type") == "signature_delta" => "signature"u8,
            "content_block_start" when JsonRead.Property(e, "content_block") is { } b && JsonRead.Text(b, "type") == "redacted_thinking" => "data"u8,
            _ => default,
        };
        return field.IsEmpty || ReasoningSeals.ValueStart(line, field) is not { } start || line[start] == (byte)'"' ? null : start;
    }
}
