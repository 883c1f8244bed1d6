using System.Buffers;

namespace GenAiRouter.Ingress.Doors;

/// <summary>
/// Changes a door's answers on their way to the caller (sealing encrypted reasoning, hiding a usage chunk the caller did
/// not ask for), streams line by line. Only lines that may need it are touched: a chunk of complete lines it does not
/// <see cref="Touches"/> goes out as it came, uncopied; only a line still arriving is held until its end.
/// </summary>
public abstract class AnswerRewriter
{
    private readonly ArrayBufferWriter<byte> _partial = new(256);

    /// <summary>Whether <paramref name="bytes"/> may hold a line to change (a cheap search); lines of bytes that do not are not looked at.</summary>
    protected abstract bool Touches(ReadOnlySpan<byte> bytes);

    /// <summary>Complete lines (each ending in a newline), some of which it <see cref="Touches"/>, rewritten; null: unchanged.</summary>
    protected abstract byte[]? RewriteLines(ReadOnlySpan<byte> lines);

    /// <summary>The next lines must be looked at even without the needle (a rewrite is not finished).</summary>
    protected virtual bool Unfinished => false;

    /// <summary>A whole (non-streamed) answer, rewritten; null: unchanged.</summary>
    public abstract byte[]? RewriteWhole(ReadOnlySpan<byte> answer);

    /// <summary>What to send for <paramref name="chunk"/>: it, or its complete lines rewritten, any earlier partial line first.</summary>
    public ReadOnlyMemory<byte> Process(ReadOnlyMemory<byte> chunk)
    {
        var span = chunk.Span;
        var lastNewline = span.LastIndexOf((byte)'\n');
        if (_partial.WrittenCount == 0 && lastNewline == span.Length - 1 && !Unfinished && !Touches(span))
        {
            return chunk;
        }
        if (lastNewline < 0)
        {
            _partial.Write(span);
            return ReadOnlyMemory<byte>.Empty;
        }
        _partial.Write(span[..(lastNewline + 1)]);
        var complete = _partial.WrittenSpan;
        var output = Unfinished || Touches(complete) ? RewriteLines(complete) ?? complete.ToArray() : complete.ToArray();
        _partial.ResetWrittenCount();
        _partial.Write(span[(lastNewline + 1)..]);
        return output;
    }

    /// <summary>Whatever line was still arriving when the stream ended.</summary>
    public ReadOnlyMemory<byte> Flush()
    {
        var rest = _partial.WrittenSpan;
        var output = Unfinished || Touches(rest) ? RewriteLines(rest) ?? rest.ToArray() : rest.ToArray();
        _partial.ResetWrittenCount();
        return output;
    }
}
