using System.Text.Json;
using GenAiRouter.Contracts.V1;

namespace GenAiRouter.Bridge.Translation;

/// <summary>A Chat Completions request made from a Responses request, with what the way back needs.</summary>
public sealed record ChatRequest(byte[] Json, ToolNames ToolNames, IReadOnlyList<string> DroppedTools, bool Stream);

/// <summary>
/// Responses request -> Chat Completions request, for one target. Pure: the same request and target give the same
/// bytes. Only what the target was validated for is sent (reasoning effort, images, structured output); what a chat
/// model cannot take is left out (encrypted reasoning, store, include, prompt_cache_key, client_metadata) or refused.
/// </summary>
public static class ChatRequestBuilder
{
    private static readonly HashSet<string> HostedToolTypes = new(StringComparer.Ordinal)
    {
        "web_search", "web_search_preview", "web_search_2025_08_26", "web_search_preview_2025_03_11", "file_search",
        "code_interpreter", "image_generation", "computer_use", "computer_use_preview", "mcp",
    };

    public static ChatRequest Build(JsonElement request, Target target)
    {
        var bridge = target.ResponsesToChat ?? new ResponsesToChat();
        var names = new ToolNames();
        var dropped = new List<string>();
        var stream = bridge.Streaming && request.TryGetProperty("stream", out var s) && s.ValueKind == JsonValueKind.True;
        var messages = Messages(request);
        if (!bridge.Images && messages.Any(m => m.Parts.Count > 0))
        {
            throw new BridgeRequestException($"The target '{target.Name}' is not validated for images through the bridge.", "input");
        }

        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, JsonOutput.Options))
        {
            json.WriteStartObject();
            json.WriteString("model", target.Model);
            json.WriteStartArray("messages");
            foreach (var message in messages)
            {
                message.Write(json, names);
            }
            json.WriteEndArray();
            var hasTools = WriteTools(json, request, bridge, names, dropped);
            if (hasTools && request.TryGetProperty("tool_choice", out var choice))
            {
                WriteToolChoice(json, choice, names);
            }
            if (hasTools && request.TryGetProperty("parallel_tool_calls", out var parallel) && parallel.ValueKind is JsonValueKind.True or JsonValueKind.False)
            {
                json.WriteBoolean("parallel_tool_calls", parallel.GetBoolean());
            }
            CopyNumber(json, request, "max_output_tokens", "max_tokens");
            CopyNumber(json, request, "temperature", "temperature");
            CopyNumber(json, request, "top_p", "top_p");
            if (bridge.Reasoning && target.Reasoning is { Param.Length: > 0 } reasoning
                && request.TryGetProperty("reasoning", out var r) && r.ValueKind == JsonValueKind.Object
                && r.TryGetProperty("effort", out var effort) && effort.ValueKind == JsonValueKind.String)
            {
                json.WriteString(reasoning.Param, effort.GetString());
            }
            if (bridge.StructuredOutput && request.TryGetProperty("text", out var text) && text.ValueKind == JsonValueKind.Object
                && text.TryGetProperty("format", out var format) && format.ValueKind == JsonValueKind.Object)
            {
                WriteResponseFormat(json, format);
            }
            if (stream)
            {
                json.WriteBoolean("stream", true);
                json.WriteStartObject("stream_options");
                json.WriteBoolean("include_usage", true);
                json.WriteEndObject();
            }
            json.WriteEndObject();
        }
        return new ChatRequest(buffer.ToArray(), names, dropped, stream);
    }

    private static List<ChatMessage> Messages(JsonElement request)
    {
        var messages = new List<ChatMessage>();
        if (request.TryGetProperty("instructions", out var instructions) && instructions.ValueKind == JsonValueKind.String)
        {
            messages.Add(ChatMessage.Text("system", instructions.GetString()!));
        }
        if (!request.TryGetProperty("input", out var input))
        {
            return messages;
        }
        if (input.ValueKind == JsonValueKind.String)
        {
            messages.Add(ChatMessage.Text("user", input.GetString()!));
            return messages;
        }
        if (input.ValueKind != JsonValueKind.Array)
        {
            throw new BridgeRequestException("'input' must be a string or a list of items.", "input");
        }
        foreach (var item in input.EnumerateArray())
        {
            var type = item.TryGetProperty("type", out var t) ? t.GetString() : item.TryGetProperty("role", out _) ? "message" : null;
            switch (type)
            {
                case "message":
                    messages.Add(ChatMessage.FromResponsesMessage(item));
                    break;
                case "function_call":
                    var call = new ToolCall(
                        Required(item, "call_id"),
                        item.TryGetProperty("namespace", out var ns) && ns.ValueKind == JsonValueKind.String ? ns.GetString() : null,
                        Required(item, "name"),
                        item.TryGetProperty("arguments", out var args)
                            ? args.ValueKind == JsonValueKind.String ? args.GetString()! : throw new BridgeRequestException("A function_call's 'arguments' must be a JSON string.", "input")
                            : "");
                    // Consecutive calls (and the text before them) form one assistant turn, as chat expects.
                    if (messages.LastOrDefault() is { Role: "assistant" } last)
                    {
                        last.ToolCalls.Add(call);
                    }
                    else
                    {
                        messages.Add(new ChatMessage("assistant", null, [], [call], null));
                    }
                    break;
                case "function_call_output":
                    messages.Add(new ChatMessage("tool", ToolOutput(item), [], [], Required(item, "call_id")));
                    break;
                case "reasoning":
                    // Encrypted reasoning belongs to the provider that made it; a chat model cannot take it.
                    break;
                default:
                    throw new BridgeRequestException($"Input items of type '{type}' cannot be sent to a chat target.", "input");
            }
        }
        return messages;
    }

    private static string ToolOutput(JsonElement item)
    {
        if (!item.TryGetProperty("output", out var output))
        {
            return "";
        }
        if (output.ValueKind == JsonValueKind.String)
        {
            return output.GetString()!;
        }
        if (output.ValueKind == JsonValueKind.Array)
        {
            var texts = new List<string>();
            foreach (var part in output.EnumerateArray())
            {
                var partType = part.TryGetProperty("type", out var pt) ? pt.GetString() : null;
                if (partType is "input_text" or "output_text" && part.TryGetProperty("text", out var text))
                {
                    texts.Add(text.GetString() ?? "");
                }
                else
                {
                    throw new BridgeRequestException($"Tool output parts of type '{partType}' cannot be sent to a chat target.", "input");
                }
            }
            return string.Join("\n", texts);
        }
        return output.GetRawText();
    }

    private static bool WriteTools(Utf8JsonWriter json, JsonElement request, ResponsesToChat bridge, ToolNames names, List<string> dropped)
    {
        if (!request.TryGetProperty("tools", out var tools) || tools.ValueKind != JsonValueKind.Array || tools.GetArrayLength() == 0)
        {
            return false;
        }
        var wrote = false;
        foreach (var tool in tools.EnumerateArray())
        {
            var type = tool.TryGetProperty("type", out var t) ? t.GetString() : null;
            if (type == "function")
            {
                wrote |= WriteFunction(json, null, tool, names, wrote);
            }
            else if (type == "namespace" && tool.TryGetProperty("tools", out var inner))
            {
                var ns = Required(tool, "name");
                foreach (var function in inner.EnumerateArray())
                {
                    wrote |= WriteFunction(json, ns, function, names, wrote);
                }
            }
            else if (type is not null && HostedToolTypes.Contains(type) && bridge.DropHostedTools)
            {
                dropped.Add(type);
            }
            else
            {
                throw new BridgeRequestException($"Tools of type '{type}' cannot be sent to this chat target.", "tools");
            }
        }
        if (wrote)
        {
            json.WriteEndArray();
        }
        return wrote;
    }

    private static bool WriteFunction(Utf8JsonWriter json, string? ns, JsonElement function, ToolNames names, bool started)
    {
        if (!started)
        {
            json.WriteStartArray("tools");
        }
        json.WriteStartObject();
        json.WriteString("type", "function");
        json.WriteStartObject("function");
        json.WriteString("name", names.ToChat(ns, Required(function, "name")));
        if (function.TryGetProperty("description", out var description) && description.ValueKind == JsonValueKind.String)
        {
            json.WriteString("description", description.GetString());
        }
        if (function.TryGetProperty("parameters", out var parameters) && parameters.ValueKind == JsonValueKind.Object)
        {
            json.WritePropertyName("parameters");
            parameters.WriteTo(json);
        }
        if (function.TryGetProperty("strict", out var strict) && strict.ValueKind == JsonValueKind.True)
        {
            json.WriteBoolean("strict", true);
        }
        json.WriteEndObject();
        json.WriteEndObject();
        return true;
    }

    private static void WriteToolChoice(Utf8JsonWriter json, JsonElement choice, ToolNames names)
    {
        if (choice.ValueKind == JsonValueKind.String)
        {
            json.WriteString("tool_choice", choice.GetString());
        }
        else if (choice.ValueKind == JsonValueKind.Object && choice.TryGetProperty("name", out var name))
        {
            json.WriteStartObject("tool_choice");
            json.WriteString("type", "function");
            json.WriteStartObject("function");
            json.WriteString("name", names.ToChat(choice.TryGetProperty("namespace", out var ns) ? ns.GetString() : null, name.GetString()!));
            json.WriteEndObject();
            json.WriteEndObject();
        }
    }

    private static void WriteResponseFormat(Utf8JsonWriter json, JsonElement format)
    {
        var type = format.TryGetProperty("type", out var t) ? t.GetString() : null;
        if (type == "json_object")
        {
            json.WriteStartObject("response_format");
            json.WriteString("type", "json_object");
            json.WriteEndObject();
        }
        else if (type == "json_schema")
        {
            json.WriteStartObject("response_format");
            json.WriteString("type", "json_schema");
            json.WriteStartObject("json_schema");
            foreach (var property in format.EnumerateObject().Where(p => p.Name != "type"))
            {
                property.WriteTo(json);
            }
            json.WriteEndObject();
            json.WriteEndObject();
        }
    }

    private static void CopyNumber(Utf8JsonWriter json, JsonElement request, string from, string to)
    {
        if (request.TryGetProperty(from, out var value) && value.ValueKind == JsonValueKind.Number)
        {
            json.WritePropertyName(to);
            value.WriteTo(json);
        }
    }

    internal static string Required(JsonElement item, string property) =>
        item.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()!
            : throw new BridgeRequestException($"An item is missing its '{property}'.", "input");
}
