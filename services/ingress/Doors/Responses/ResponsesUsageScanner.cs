using System.Text.Json;
using GenAiRouter.Ingress.Telemetry;
using GenAiRouter.Protocols.Responses;

namespace GenAiRouter.Ingress.Doors.Responses;

/// <summary>
/// Watches the bytes of a Responses SSE stream as they pass through and picks the usage out of the terminal
/// event (<c>response.completed</c>, <c>response.incomplete</c> or <c>response.failed</c>). Only the current
/// line is buffered, and only lines of a terminal event are parsed; the stream itself is never re-serialised.
/// </summary>
public sealed class ResponsesUsageScanner(bool captureFinalAnswer = false) : SseDataScanner
{
    private byte[]? _finalAnswer;

    /// <summary>With capture on: the <c>response</c> object of a <c>response.completed</c> event, as sent (for the cache).</summary>
    public override byte[]? FinalAnswer => _finalAnswer;

    /// <summary>Usage from a whole (non-streamed) Responses answer; only the <c>usage</c> object is parsed.</summary>
    public static UpstreamUsage? FromAnswer(ReadOnlySpan<byte> json) => UsageOfWhole(json, Read);

    protected override void OnData(ReadOnlySpan<byte> data)
    {
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
            if (response.TryGetProperty("usage", out var usage) && usage.ValueKind == JsonValueKind.Object)
            {
                Usage = Read(usage);
            }
            if (captureFinalAnswer && type.ValueEquals("response.completed"u8))
            {
                _finalAnswer = System.Text.Encoding.UTF8.GetBytes(response.GetRawText());
            }
        }
        catch (JsonException)
        {
            // Not JSON: nothing to meter from this line.
        }
    }

    private static UpstreamUsage Read(JsonElement usage) => UpstreamUsage.From(ResponsesAnswerReader.Usage(usage));
}
