using System.Buffers;

namespace GenAiRouter.Routing;

/// <summary>
/// Reads a whole body of at most a given size into one array of its exact size: a caller's request or an upstream's
/// answer, framed by its length or chunked. The bytes gather in a pooled buffer that grows only when full (a known
/// length fits at once, with a byte to spare for the end), so a body costs the one array it ends up in.
/// </summary>
public static class BoundedRead
{
    // What a body of unknown length (chunked) is first read into; most bodies are a few kilobytes.
    private const int InitialSize = 4 * 1024;
    private const int LargestFirstBuffer = 4 * 1024 * 1024;

    /// <param name="nextRead">The token for each read (a fresh idle timeout, say).</param>
    /// <returns>The body, or null when it is longer than <paramref name="maxBytes"/> (the rest is left unread).</returns>
    public static async Task<byte[]?> ReadAsync(Stream body, long? length, long maxBytes, Func<CancellationToken> nextRead)
    {
        var buffer = ArrayPool<byte>.Shared.Rent((int)Math.Clamp((length ?? InitialSize) + 1, 1, Math.Min(maxBytes, LargestFirstBuffer - 1) + 1));
        var written = 0;
        try
        {
            while (true)
            {
                if (written == buffer.Length)
                {
                    var larger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                    buffer.AsSpan(0, written).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }
                var read = await body.ReadAsync(buffer.AsMemory(written), nextRead());
                if (read == 0)
                {
                    return buffer.AsSpan(0, written).ToArray();
                }
                written += read;
                if (written > maxBytes)
                {
                    return null;
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
