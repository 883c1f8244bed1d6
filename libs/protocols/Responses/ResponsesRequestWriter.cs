using System.Buffers;
using System.Text.Json;
using GenAiRouter.Contracts.V1;
using GenAiRouter.Protocols.Canonical;

namespace GenAiRouter.Protocols.Responses;

/// <summary>
/// A conversation as a Responses request for a Responses target: instructions, the turns as input items (messages,
/// <c>function_call</c>s and their outputs), function tools, and the settings, stateless (<c>store: false</c>). Hosted
/// tools a caller of another protocol named have no Responses form here and are dropped, said so; reasoning goes back
/// only as the encrypted content a Responses target made (carried by the caller, <see cref="ReasoningCarrier"/>), and
/// readable reasoning from another protocol is left out; stop sequences have no equivalent.
/// </summary>
public static class ResponsesRequestWriter
{
    public static TargetRequest Write(Conversation conversation, Target target)
    {
        var names = new ToolNames();
        var buffer = new ArrayBufferWriter<byte>(4096);
        using (var json = new Utf8JsonWriter(buffer, JsonOutput.Options))
        {
            json.WriteStartObject();
            json.WriteString("model", target.Model);
            if (conversation.Instructions.Count > 0)
            {
                json.WriteString("instructions", string.Join("\n\n", conversation.Instructions));
            }
            json.WriteStartArray("input");
            foreach (var turn in conversation.Turns)
            {
                WriteTurn(json, turn, names);
            }
            json.WriteEndArray();
            if (conversation.Tools.Count > 0)
            {
                json.WriteStartArray("tools");
                foreach (var tool in conversation.Tools)
                {
                    json.WriteStartObject();
                    json.WriteString("type", "function");
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
                    json.WriteBoolean("strict", tool.Strict);
                    json.WriteEndObject();
                }
                json.WriteEndArray();
                if (conversation.ToolChoice is { } choice)
                {
                    if (choice.Mode == ToolChoiceMode.Function)
                    {
                        json.WriteStartObject("tool_choice");
                        json.WriteString("type", "function");
                        json.WriteString("name", names.Flatten(choice.Namespace, choice.Name!));
                        json.WriteEndObject();
                    }
                    else
                    {
                        json.WriteString("tool_choice", choice.Mode switch { ToolChoiceMode.None => "none", ToolChoiceMode.Required => "required", _ => "auto" });
                    }
                }
                if (conversation.ParallelToolCalls is { } parallel)
                {
                    json.WriteBoolean("parallel_tool_calls", parallel);
                }
            }
            if (conversation.MaxOutputTokens is { } max)
            {
                json.WriteNumber("max_output_tokens", max);
            }
            if (conversation.Temperature is { } temperature)
            {
                json.WritePropertyName("temperature");
                temperature.WriteTo(json);
            }
            if (conversation.TopP is { } topP)
            {
                json.WritePropertyName("top_p");
                topP.WriteTo(json);
            }
            if (conversation.ReasoningEffort is { } effort)
            {
                json.WriteStartObject("reasoning");
                json.WriteString("effort", effort);
                json.WriteEndObject();
            }
            if (conversation.Format is { } format)
            {
                json.WriteStartObject("text");
                json.WriteStartObject("format");
                json.WriteString("type", format.JsonSchema ? "json_schema" : "json_object");
                if (format.JsonSchema)
                {
                    json.WriteString("name", format.Name ?? "answer");
                    if (format.Description is { } description)
                    {
                        json.WriteString("description", description);
                    }
                    if (format.Schema is { } schema)
                    {
                        json.WritePropertyName("schema");
                        schema.WriteTo(json);
                    }
                    json.WriteBoolean("strict", format.Strict);
                }
                json.WriteEndObject();
                json.WriteEndObject();
            }
            if (conversation.Stream)
            {
                json.WriteBoolean("stream", true);
            }
            json.WriteBoolean("store", false);
            if (target.Capabilities.Contains(Capability.Reasoning))
            {
                // Stateless: the reasoning comes back encrypted, for the caller to carry to the next turn.
                json.WriteStartArray("include");
                json.WriteStringValue("reasoning.encrypted_content");
                json.WriteEndArray();
            }
            if (conversation.SessionKey is { } session)
            {
                json.WriteString("prompt_cache_key", session);
            }
            json.WriteEndObject();
        }
        return new TargetRequest(buffer.WrittenSpan.ToArray(), names, [.. conversation.HostedTools], conversation.Stream);
    }

    private static void WriteTurn(Utf8JsonWriter json, Turn turn, ToolNames names)
    {
        switch (turn.Role)
        {
            case Role.Tool:
                foreach (var result in turn.Parts.OfType<ToolResultPart>())
                {
                    json.WriteStartObject();
                    json.WriteString("type", "function_call_output");
                    json.WriteString("call_id", result.CallId);
                    if (result.Content.All(p => p is TextPart))
                    {
                        json.WriteString("output", string.Join("\n", result.Content.OfType<TextPart>().Select(t => t.Text)));
                    }
                    else
                    {
                        json.WriteStartArray("output");
                        foreach (var part in result.Content)
                        {
                            WriteContentPart(json, part, "input_text");
                        }
                        json.WriteEndArray();
                    }
                    json.WriteEndObject();
                }
                return;
            case Role.Assistant:
                foreach (var reasoning in turn.Parts.OfType<ReasoningPart>())
                {
                    // Only what a Responses target produced in an earlier translated turn goes back; the rest is unreadable here.
                    if (ReasoningCarrier.Unpack(reasoning.Opaque) is { Origin: Protocol.Responses } carried)
                    {
                        json.WriteStartObject();
                        json.WriteString("type", "reasoning");
                        json.WriteStartArray("summary");
                        json.WriteEndArray();
                        json.WriteString("encrypted_content", carried.Secret);
                        json.WriteEndObject();
                    }
                }
                var text = string.Concat(turn.Parts.OfType<TextPart>().Select(t => t.Text));
                if (text.Length > 0)
                {
                    json.WriteStartObject();
                    json.WriteString("type", "message");
                    json.WriteString("role", "assistant");
                    json.WriteStartArray("content");
                    WriteContentPart(json, new TextPart(text), "output_text");
                    json.WriteEndArray();
                    json.WriteEndObject();
                }
                foreach (var call in turn.Parts.OfType<ToolCallPart>())
                {
                    json.WriteStartObject();
                    json.WriteString("type", "function_call");
                    json.WriteString("call_id", call.Id);
                    json.WriteString("name", names.Flatten(call.Namespace, call.Name));
                    json.WriteString("arguments", call.Arguments);
                    json.WriteEndObject();
                }
                return;
            default:
                json.WriteStartObject();
                json.WriteString("type", "message");
                json.WriteString("role", turn.Role == Role.System ? "developer" : "user");
                json.WriteStartArray("content");
                foreach (var part in turn.Parts)
                {
                    WriteContentPart(json, part, "input_text");
                }
                json.WriteEndArray();
                json.WriteEndObject();
                return;
        }
    }

    private static void WriteContentPart(Utf8JsonWriter json, Part part, string textType)
    {
        switch (part)
        {
            case TextPart text:
                json.WriteStartObject();
                json.WriteString("type", textType);
                json.WriteString("text", text.Text);
                json.WriteEndObject();
                break;
            case ImagePart image:
                json.WriteStartObject();
                json.WriteString("type", "input_image");
                json.WriteString("image_url", image.Url);
                json.WriteString("detail", image.Detail ?? "auto");
                json.WriteEndObject();
                break;
        }
    }
}
