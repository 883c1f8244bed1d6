using System.Buffers;

namespace GenAiRouter.Protocols.Canonical;

/// <summary>
/// Splits an SSE byte stream into the payloads of its <c>data:</c> lines as bytes arrive in arbitrary pieces; only an
/// unfinished line is kept between pieces.
/// </summary>
public sealed class SseLines
{
    private readonly ArrayBufferWriter<byte> _partial = new(1024);

    /// <summary>The data payloads completed by <paramref name="piece"/>, in order.</summary>
    public List<ReadOnlyMemory<byte>> Data(ReadOnlySpan<byte> piece)
    {
        var payloads = new List<ReadOnlyMemory<byte>>();
        while (!piece.IsEmpty)
        {
            var newline = piece.IndexOf((byte)'\n');
            if (newline < 0)
            {
                _partial.Write(piece);
                break;
            }
            ReadOnlySpan<byte> line;
            if (_partial.WrittenCount > 0)
            {
                _partial.Write(piece[..newline]);
                line = _partial.WrittenSpan;
            }
            else
            {
                line = piece[..newline];
            }
            if (line.StartsWith("data:"u8))
            {
                payloads.Add(line[5..].TrimEnd((byte)'\r').Trim((byte)' ').ToArray());
            }
            _partial.ResetWrittenCount();
            piece = piece[(newline + 1)..];
        }
        return payloads;
    }
}
