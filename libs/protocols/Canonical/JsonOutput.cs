using System.Text.Encodings.Web;
using System.Text.Json;

namespace GenAiRouter.Protocols.Canonical;

/// <summary>
/// How the adapters write JSON: minimal escaping (quotes as \", not \u0022; non-ASCII as is). The output goes to API
/// clients and model servers, never into HTML, so the HTML-safe default only costs bytes.
/// </summary>
public static class JsonOutput
{
    public static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>A JSON value as compact text, escaped as little as JSON allows.</summary>
    public static string Compact(JsonElement value)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, Options))
        {
            value.WriteTo(writer);
        }
        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>One SSE frame, <c>event: type</c> (when given) and <c>data: json</c>, written straight into <paramref name="output"/>.</summary>
    public static void Frame(System.Buffers.IBufferWriter<byte> output, string? type, ReadOnlySpan<byte> json)
    {
        if (type is not null)
        {
            Write(output, "event: "u8);
            Write(output, System.Text.Encoding.UTF8.GetBytes(type));
            Write(output, "\n"u8);
        }
        Write(output, "data: "u8);
        Write(output, json);
        Write(output, "\n\n"u8);
    }

    private static void Write(System.Buffers.IBufferWriter<byte> output, ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(output.GetSpan(bytes.Length));
        output.Advance(bytes.Length);
    }
}
