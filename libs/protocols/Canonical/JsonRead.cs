using System.Text.Json;

namespace GenAiRouter.Protocols.Canonical;

/// <summary>Reading request and answer JSON the way every adapter does: tolerant of what is absent, strict where it matters.</summary>
public static class JsonRead
{
    public static string? Text(JsonElement element, string property) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    public static long Number(JsonElement element, string property) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(property, out var value) && value.TryGetInt64(out var n) ? n : 0;

    public static JsonElement? Property(JsonElement element, string property) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(property, out var value) && value.ValueKind != JsonValueKind.Null ? value : null;

    public static bool? Boolean(JsonElement element, string property) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(property, out var value) && value.ValueKind is JsonValueKind.True or JsonValueKind.False ? value.GetBoolean() : null;

    /// <summary>A string property the request needs.</summary>
    public static string Required(JsonElement item, string property) =>
        Text(item, property) ?? throw new TranslationException($"An item is missing its '{property}'.", "input");

    /// <summary>Parses one JSON object whose every string is valid Unicode; null for anything else.</summary>
    public static JsonElement? ParseObject(ReadOnlySpan<byte> json)
    {
        if (!Routing.JsonText.IsJson(json))
        {
            return null;
        }
        using var document = JsonDocument.Parse(json.ToArray());
        return document.RootElement.ValueKind == JsonValueKind.Object ? document.RootElement.Clone() : null;
    }
}
