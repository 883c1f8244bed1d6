using System.Buffers;
using System.Text.Json;
using GenAiRouter.Contracts.V1;
using GenAiRouter.Protocols.Canonical;

namespace GenAiRouter.Protocols.Chat;

/// <summary>
/// A conversation as a Chat Completions request for one target. Only what the target was validated for through the
/// bridge (<c>responses_to_chat</c>) is sent: reasoning effort in the target's own parameter, images, structured output,
/// streaming; hosted tools are dropped where allowed and refused otherwise; reasoning a chat model cannot take (encrypted
/// content, signatures) is left out. Namespaced tools are flattened (<see cref="ToolNames"/>). Pure: the same
/// conversation and target give the same bytes.
/// </summary>
public static class ChatRequestWriter
{
    public static TargetRequest Write(Conversation conversation, Target target)
    {
        var validated = target.ResponsesToChat ?? new ResponsesToChat();
        var names = new ToolNames();
        var stream = validated.Streaming && conversation.Stream;
        if (!validated.Images && conversation.Turns.Any(t => t.Parts.Any(p => p is ImagePart || (p is ToolResultPart r && r.Content.Any(c => c is ImagePart)))))
        {
            throw new TranslationException($"The target '{target.Name}' is not validated for images through the bridge.", "input");
        }
        var dropped = new List<string>();
        foreach (var hosted in conversation.HostedTools)
        {
            if (!validated.DropHostedTools)
            {
                throw new TranslationException($"Tools of type '{hosted}' cannot be sent to this chat target.", "tools");
            }
            dropped.Add(hosted);
        }

        var buffer = new ArrayBufferWriter<byte>(4096);
        using (var json = new Utf8JsonWriter(buffer, JsonOutput.Options))
        {
            json.WriteStartObject();
            json.WriteString("model", target.Model);
            json.WriteStartArray("messages");
            foreach (var instructions in conversation.Instructions)
            {
                WriteText(json, "system", instructions);
            }
            // Many chat templates (Qwen's, Llama's) refuse a system message after the first turn: instructions given
            // along the way are moved up with the others, in order.
            foreach (var turn in conversation.Turns.Where(t => t.Role == Role.System).Concat(conversation.Turns.Where(t => t.Role != Role.System)))
            {
                WriteTurn(json, turn, names);
            }
            json.WriteEndArray();
            if (conversation.Tools.Count > 0)
            {
                json.WriteStartArray("tools");
                foreach (var tool in conversation.Tools)
                {
                    WriteTool(json, tool, names);
                }
                json.WriteEndArray();
                if (conversation.ToolChoice is { } choice)
                {
                    WriteToolChoice(json, choice, names);
                }
                if (conversation.ParallelToolCalls is { } parallel)
                {
                    json.WriteBoolean("parallel_tool_calls", parallel);
                }
            }
            if (conversation.MaxOutputTokens is { } max)
            {
                json.WriteNumber("max_tokens", max);
            }
            WriteNumber(json, "temperature", conversation.Temperature);
            WriteNumber(json, "top_p", conversation.TopP);
            if (conversation.Stop.Count > 0)
            {
                json.WriteStartArray("stop");
                conversation.Stop.ForEach(json.WriteStringValue);
                json.WriteEndArray();
            }
            if (validated.Reasoning && target.Reasoning is { Param.Length: > 0 } reasoning && conversation.ReasoningEffort is { } effort)
            {
                json.WriteString(reasoning.Param, effort);
            }
            if (validated.StructuredOutput && conversation.Format is { } format)
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
        return new TargetRequest(buffer.WrittenSpan.ToArray(), names, dropped, stream);
    }

    private static void WriteTurn(Utf8JsonWriter json, Turn turn, ToolNames names)
    {
        switch (turn.Role)
        {
            case Role.Tool:
                foreach (var result in turn.Parts.OfType<ToolResultPart>())
                {
                    json.WriteStartObject();
                    json.WriteString("role", "tool");
                    json.WriteString("content", string.Join("\n", result.Content.Select(p => p is TextPart t ? t.Text
                        : throw new TranslationException("Tool output parts of type 'input_image' cannot be sent to a chat target.", "input"))));
                    json.WriteString("tool_call_id", result.CallId);
                    json.WriteEndObject();
                }
                return;
            case Role.Assistant:
                var calls = turn.Parts.OfType<ToolCallPart>().ToList();
                var text = string.Concat(turn.Parts.OfType<TextPart>().Select(t => t.Text));
                if (calls.Count == 0 && !turn.Parts.Any(p => p is TextPart))
                {
                    return; // reasoning alone: a chat model cannot take it back
                }
                json.WriteStartObject();
                json.WriteString("role", "assistant");
                if (calls.Count > 0 && text.Length == 0)
                {
                    json.WriteNull("content");
                }
                else
                {
                    json.WriteString("content", text);
                }
                if (calls.Count > 0)
                {
                    json.WriteStartArray("tool_calls");
                    foreach (var call in calls)
                    {
                        json.WriteStartObject();
                        json.WriteString("id", call.Id);
                        json.WriteString("type", "function");
                        json.WriteStartObject("function");
                        json.WriteString("name", names.Flatten(call.Namespace, call.Name));
                        json.WriteString("arguments", call.Arguments);
                        json.WriteEndObject();
                        json.WriteEndObject();
                    }
                    json.WriteEndArray();
                }
                json.WriteEndObject();
                return;
            default:
                var role = turn.Role == Role.System ? "system" : "user";
                if (turn.Role == Role.User && turn.Parts.Any(p => p is ImagePart))
                {
                    json.WriteStartObject();
                    json.WriteString("role", role);
                    json.WriteStartArray("content");
                    foreach (var part in turn.Parts)
                    {
                        WritePart(json, part);
                    }
                    json.WriteEndArray();
                    json.WriteEndObject();
                    return;
                }
                if (turn.Parts.Any(p => p is ImagePart))
                {
                    throw new TranslationException("A chat target takes images in user turns only.", "input");
                }
                // Separate parts stay apart, as separate blocks of the caller's message would.
                WriteText(json, role, string.Join("\n\n", turn.Parts.OfType<TextPart>().Select(t => t.Text)));
                return;
        }
    }

    private static void WriteText(Utf8JsonWriter json, string role, string text)
    {
        json.WriteStartObject();
        json.WriteString("role", role);
        json.WriteString("content", text);
        json.WriteEndObject();
    }

    private static void WritePart(Utf8JsonWriter json, Part part)
    {
        json.WriteStartObject();
        if (part is ImagePart image)
        {
            json.WriteString("type", "image_url");
            json.WriteStartObject("image_url");
            json.WriteString("url", image.Url);
            if (image.Detail is { } detail)
            {
                json.WriteString("detail", detail);
            }
            json.WriteEndObject();
        }
        else
        {
            json.WriteString("type", "text");
            json.WriteString("text", (part as TextPart)?.Text ?? "");
        }
        json.WriteEndObject();
    }

    private static void WriteTool(Utf8JsonWriter json, FunctionTool tool, ToolNames names)
    {
        json.WriteStartObject();
        json.WriteString("type", "function");
        json.WriteStartObject("function");
        json.WriteString("name", names.Flatten(tool.Namespace, tool.Name));
        if (tool.Description is { } description)
        {
            json.WriteString("description", description);
        }
        if (tool.Parameters is { } parameters)
        {
            json.WritePropertyName("parameters");
            parameters.WriteTo(json);
        }
        if (tool.Strict)
        {
            json.WriteBoolean("strict", true);
        }
        json.WriteEndObject();
        json.WriteEndObject();
    }

    private static void WriteToolChoice(Utf8JsonWriter json, ToolChoice choice, ToolNames names)
    {
        if (choice.Mode != ToolChoiceMode.Function)
        {
            json.WriteString("tool_choice", choice.Mode switch { ToolChoiceMode.None => "none", ToolChoiceMode.Required => "required", _ => "auto" });
            return;
        }
        json.WriteStartObject("tool_choice");
        json.WriteString("type", "function");
        json.WriteStartObject("function");
        json.WriteString("name", names.Flatten(choice.Namespace, choice.Name!));
        json.WriteEndObject();
        json.WriteEndObject();
    }

    private static void WriteResponseFormat(Utf8JsonWriter json, ResponseFormat format)
    {
        json.WriteStartObject("response_format");
        if (!format.JsonSchema)
        {
            json.WriteString("type", "json_object");
            json.WriteEndObject();
            return;
        }
        json.WriteString("type", "json_schema");
        json.WriteStartObject("json_schema");
        if (format.Name is { } name)
        {
            json.WriteString("name", name);
        }
        if (format.Description is { } description)
        {
            json.WriteString("description", description);
        }
        if (format.Schema is { } schema)
        {
            json.WritePropertyName("schema");
            schema.WriteTo(json);
        }
        if (format.Strict)
        {
            json.WriteBoolean("strict", true);
        }
        json.WriteEndObject();
        json.WriteEndObject();
    }

    private static void WriteNumber(Utf8JsonWriter json, string name, JsonElement? value)
    {
        if (value is { } number)
        {
            json.WritePropertyName(name);
            number.WriteTo(json);
        }
    }
}
