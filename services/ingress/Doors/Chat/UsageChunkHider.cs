using System.Buffers;
using System.Text.Json;
using GenAiRouter.Protocols.Canonical;

namespace GenAiRouter.Ingress.Doors.Chat;

/// <summary>
/// Takes out of a chat stream the usage chunk (<c>"choices":[]</c> with <c>usage</c>) the router asked the upstream
/// for on behalf of a caller that did not ask for it: the router meters from it, the caller sees the stream it asked for.
/// </summary>
public sealed class UsageChunkHider : AnswerRewriter
{
    private bool _blankLineOwed;

    private static ReadOnlySpan<byte> Needle => "\"usage\":{"u8;

    protected override bool Touches(ReadOnlySpan<byte> bytes) => bytes.IndexOf(Needle) >= 0;

    /// <summary>A usage chunk ended the last read: the blank line that ends its frame is in the next one.</summary>
    protected override bool Unfinished => _blankLineOwed;

    protected override byte[]? RewriteLines(ReadOnlySpan<byte> lines)
    {
        var output = new ArrayBufferWriter<byte>(lines.Length);
        var dropped = false;
        if (_blankLineOwed)
        {
            _blankLineOwed = false;
            var blank = lines.StartsWith("\n"u8) ? 1 : lines.StartsWith("\r\n"u8) ? 2 : 0;
            lines = lines[blank..];
            dropped = blank > 0;
        }
        while (!lines.IsEmpty)
        {
            var end = lines.IndexOf((byte)'\n') + 1;
            var line = end == 0 ? lines : lines[..end];
            lines = end == 0 ? [] : lines[end..];
            if (IsUsageChunk(line))
            {
                dropped = true;
                // The blank line that ends its frame goes with it, now or at the start of the next read.
                if (lines.StartsWith("\n"u8))
                {
                    lines = lines[1..];
                }
                else if (lines.StartsWith("\r\n"u8))
                {
                    lines = lines[2..];
                }
                else
                {
                    _blankLineOwed = lines.IsEmpty;
                }
                continue;
            }
            output.Write(line);
        }
        return dropped ? output.WrittenSpan.ToArray() : null;
    }

    /// <summary>A whole answer's usage is part of every chat completion: it stays.</summary>
    public override byte[]? RewriteWhole(ReadOnlySpan<byte> answer) => null;

    private static bool IsUsageChunk(ReadOnlySpan<byte> line)
    {
        // Only a line that names usage is parsed.
        if (!line.StartsWith("data:"u8) || line.IndexOf(Needle) < 0)
        {
            return false;
        }
        var data = line[5..].TrimEnd("\r\n"u8).TrimStart((byte)' ');
        return JsonRead.ParseObject(data) is { } chunk
            && chunk.TryGetProperty("choices", out var choices) && choices.ValueKind == JsonValueKind.Array && choices.GetArrayLength() == 0
            && JsonRead.Property(chunk, "usage") is { ValueKind: JsonValueKind.Object };
    }
}
