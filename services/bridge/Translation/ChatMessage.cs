using System.Text.Json;

namespace GenAiRouter.Bridge.Translation;

public sealed record ToolCall(string Id, string? Namespace, string Name, string Arguments);

/// <summary>One chat message on its way out: text, content parts (for images), tool calls, or a tool result.</summary>
internal sealed record ChatMessage(string Role, string? Content, List<JsonElement> Parts, List<ToolCall> ToolCalls, string? ToolCallId)
{
    public static ChatMessage Text(string role, string content) => new(role, content, [], [], null);

    public static ChatMessage FromResponsesMessage(JsonElement item)
    {
        var role = item.TryGetProperty("role", out var r) ? r.GetString() : "user";
        // Many chat servers know no "developer" role; it carries the same weight as system there.
        var chatRole = role switch { "developer" or "system" => "system", "assistant" => "assistant", _ => "user" };
        if (!item.TryGetProperty("content", out var content))
        {
            return Text(chatRole, "");
        }
        if (content.ValueKind == JsonValueKind.String)
        {
            return Text(chatRole, content.GetString()!);
        }
        var parts = content.EnumerateArray().ToList();
        var hasImage = parts.Any(p => p.TryGetProperty("type", out var t) && t.GetString() == "input_image");
        if (hasImage && chatRole == "user")
        {
            return new ChatMessage(chatRole, null, parts, [], null);
        }
        var texts = parts.Select(p => p.TryGetProperty("type", out var t) ? t.GetString() switch
        {
            "input_text" or "output_text" or "text" => p.GetProperty("text").GetString() ?? "",
            "refusal" => p.TryGetProperty("refusal", out var refusal) ? refusal.GetString() ?? "" : "",
            var other => throw new BridgeRequestException($"Message content of type '{other}' cannot be sent to a chat target.", "input"),
        } : "");
        return Text(chatRole, string.Concat(texts));
    }

    public void Write(Utf8JsonWriter json, ToolNames names)
    {
        json.WriteStartObject();
        json.WriteString("role", Role);
        if (Parts.Count > 0)
        {
            json.WriteStartArray("content");
            foreach (var part in Parts)
            {
                WritePart(json, part);
            }
            json.WriteEndArray();
        }
        else if (Content is not null || ToolCalls.Count == 0)
        {
            json.WriteString("content", Content ?? "");
        }
        else
        {
            json.WriteNull("content");
        }
        if (ToolCalls.Count > 0)
        {
            json.WriteStartArray("tool_calls");
            foreach (var call in ToolCalls)
            {
                json.WriteStartObject();
                json.WriteString("id", call.Id);
                json.WriteString("type", "function");
                json.WriteStartObject("function");
                json.WriteString("name", names.ToChat(call.Namespace, call.Name));
                json.WriteString("arguments", call.Arguments);
                json.WriteEndObject();
                json.WriteEndObject();
            }
            json.WriteEndArray();
        }
        if (ToolCallId is not null)
        {
            json.WriteString("tool_call_id", ToolCallId);
        }
        json.WriteEndObject();
    }

    private static void WritePart(Utf8JsonWriter json, JsonElement part)
    {
        var type = part.TryGetProperty("type", out var t) ? t.GetString() : null;
        json.WriteStartObject();
        if (type == "input_image")
        {
            var url = part.TryGetProperty("image_url", out var u) && u.ValueKind == JsonValueKind.String
                ? u.GetString()!
                : throw new BridgeRequestException("Images must be sent as image_url (a URL or data URL) to a chat target.", "input");
            json.WriteString("type", "image_url");
            json.WriteStartObject("image_url");
            json.WriteString("url", url);
            if (part.TryGetProperty("detail", out var detail) && detail.ValueKind == JsonValueKind.String)
            {
                json.WriteString("detail", detail.GetString());
            }
            json.WriteEndObject();
        }
        else
        {
            json.WriteString("type", "text");
            json.WriteString("text", part.TryGetProperty("text", out var text) ? text.GetString() : "");
        }
        json.WriteEndObject();
    }
}
