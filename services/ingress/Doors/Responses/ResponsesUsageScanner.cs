using System.Buffers;
using System.Text.Json;
using GenAiRouter.Ingress.Telemetry;
using GenAiRouter.Routing;

namespace GenAiRouter.Ingress.Doors.Responses;

/// <summary>
/// Watches the bytes of a Responses SSE stream as they pass through and picks the usage out of the terminal
/// event (<c>response.completed</c>, <c>response.incomplete</c> or <c>response.failed</c>). Only the current
/// line is buffered, and only lines of a terminal event are parsed; the stream itself is never re-serialised.
/// </summary>
public sealed class ResponsesUsageScanner(bool captureFinalAnswer = false) : IAnswerStreamScanner
{
    private readonly ArrayBufferWriter<byte> _line = new(1024);

    public UpstreamUsage? Usage { get; private set; }

    public bool Ended { get; private set; }

    /// <summary>With capture on: the <c>response</c> object of a <c>response.completed</c> event, as sent (for the cache).</summary>
    public byte[]? FinalAnswer { get; private set; }

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

    /// <summary>Usage from a whole (non-streamed) Responses answer; only the <c>usage</c> object is parsed.</summary>
    public static UpstreamUsage? FromAnswer(ReadOnlySpan<byte> json)
    {
        try
        {
            var reader = new Utf8JsonReader(json);
            if (!TopLevelProperty.Seek(ref reader, "usage"u8))
            {
                return null;
            }
            using var usage = JsonDocument.ParseValue(ref reader);
            return Read(usage.RootElement);
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
        var data = line[5..].TrimStart((byte)' ').TrimEnd((byte)'\r');
        // Cheap filter before parsing: only terminal events carry the final usage.
        if (data.IndexOf("\"response.completed\""u8) < 0 && data.IndexOf("\"response.incomplete\""u8) < 0 && data.IndexOf("\"response.failed\""u8) < 0)
        {
            return;
        }
        try
        {
            var reader = new Utf8JsonReader(data);
            using var document = JsonDocument.ParseValue(ref reader);
            if (!document.RootElement.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String
                || !(type.ValueEquals("response.completed"u8) || type.ValueEquals("response.incomplete"u8) || type.ValueEquals("response.failed"u8)))
            {
                return;
            }
            Ended = true;
            if (!document.RootElement.TryGetProperty("response", out var response) || response.ValueKind != JsonValueKind.Object)
            {
                return;
            }
            if (response.TryGetProperty("usage", out var usage))
            {
                Usage = Read(usage);
            }
            if (captureFinalAnswer && type.ValueEquals("response.completed"u8))
            {
                FinalAnswer = System.Text.Encoding.UTF8.GetBytes(response.GetRawText());
            }
        }
        catch (JsonException)
        {
            // Not JSON: nothing to meter from this line.
        }
    }

    private static UpstreamUsage? Read(JsonElement usage) =>
        usage.ValueKind != JsonValueKind.Object ? null : new UpstreamUsage(
            Long(usage, "input_tokens"),
            usage.TryGetProperty("input_tokens_details", out var input) ? Long(input, "cached_tokens") : 0,
            Long(usage, "output_tokens"),
            usage.TryGetProperty("output_tokens_details", out var output) ? Long(output, "reasoning_tokens") : 0);

    private static long Long(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.TryGetInt64(out var n) ? n : 0;
}
