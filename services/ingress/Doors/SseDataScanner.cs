using System.Buffers;
using System.Text.Json;
using GenAiRouter.Ingress.Telemetry;
using GenAiRouter.Routing;

namespace GenAiRouter.Ingress.Doors;

/// <summary>
/// Watches an answer stream as it passes through, one <c>data:</c> payload at a time, for a door's scanner: only the
/// current line is buffered, and the stream itself is never copied or re-serialised.
/// </summary>
public abstract class SseDataScanner : IAnswerStreamScanner
{
    private readonly ArrayBufferWriter<byte> _line = new(1024);

    public UpstreamUsage? Usage { get; protected set; }

    public bool Ended { get; protected set; }

    public abstract byte[]? FinalAnswer { get; }

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

    public void Dispose()
    {
        _line.Clear();
        GC.SuppressFinalize(this);
    }

    /// <summary>One <c>data:</c> payload, without the field name, the space and the line end.</summary>
    protected abstract void OnData(ReadOnlySpan<byte> data);

    /// <summary>The usage of a whole (non-streamed) answer: only its top-level <c>usage</c> object is parsed, by <paramref name="read"/>.</summary>
    protected static UpstreamUsage? UsageOfWhole(ReadOnlySpan<byte> json, Func<JsonElement, UpstreamUsage> read)
    {
        try
        {
            var reader = new Utf8JsonReader(json);
            if (!TopLevelProperty.Seek(ref reader, "usage"u8) || reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }
            using var usage = JsonDocument.ParseValue(ref reader);
            return read(usage.RootElement);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private void EndLine(ReadOnlySpan<byte> line)
    {
        if (line.StartsWith("data:"u8))
        {
            OnData(line[5..].TrimEnd((byte)'\r').TrimStart((byte)' '));
        }
    }
}
