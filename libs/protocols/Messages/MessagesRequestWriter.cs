using System.Buffers;
using System.Text.Json;
using GenAiRouter.Contracts.V1;
using GenAiRouter.Protocols.Canonical;

namespace GenAiRouter.Protocols.Messages;

/// <summary>
/// A conversation as an Anthropic Messages request for one target. Instructions (and system turns among the others)
/// become the top-level <c>system</c>; tool results travel in user messages right after the calls they answer; images
/// go as base64 or URL sources. Reasoning effort becomes a thinking budget; thinking goes back only as the signed
/// blocks a Messages target made (carried by the caller, <see cref="ReasoningCarrier"/>), and a turn that continues a
/// tool loop without them is sent without thinking, which the API requires. OpenAI callers get prompt caching without
/// asking, so this writer marks the cache breakpoints Anthropic needs for the same: the tools, the instructions and the
/// conversation so far. <c>max_tokens</c> is required here: the caller's, else the target's <c>max_output_tokens</c>.
/// Hosted tools are dropped where the target allows it and refused otherwise. Pure: the same input gives the same bytes.
/// </summary>
public static class MessagesRequestWriter
{
    public const long DefaultMaxTokens = 8192;

    /// <summary>Thinking budgets per effort level; the API takes at least 1,024 and less than <c>max_tokens</c>.</summary>
    private static long Budget(string effort) => effort switch
    {
        "minimal" or "low" => 2048,
        "medium" => 8192,
        _ => 24576,
    };

    public static TargetRequest Write(Conversation conversation, Target target)
    {
        var names = new ToolNames();
        var dropped = new List<string>();
        foreach (var hosted in conversation.HostedTools)
        {
            if (!target.DropHostedTools)
            {
                throw new TranslationException($"Tools of type '{hosted}' cannot be sent to this Messages target.", "tools");
            }
            dropped.Add(hosted);
        }
        var messages = Messages(conversation.Turns);
        var system = conversation.Instructions.Concat(conversation.Turns.Where(t => t.Role == Role.System)
            .Select(t => string.Concat(t.Parts.OfType<TextPart>().Select(p => p.Text)))).Where(s => s.Length > 0).ToList();
        var maxTokens = conversation.MaxOutputTokens ?? (target.MaxOutputTokens > 0 ? target.MaxOutputTokens : DefaultMaxTokens);
        // The API refuses thinking with a forced tool choice, and in a tool loop whose thinking it does not have.
        var thinkingAllowed = conversation.ToolChoice?.Mode is not (ToolChoiceMode.Required or ToolChoiceMode.Function) && !ContinuesToolLoopWithoutThinking(messages);
        var budget = conversation.ReasoningEffort is { } effort && thinkingAllowed ? Math.Min(Budget(effort), maxTokens - 1024) : 0;

        var buffer = new ArrayBufferWriter<byte>(4096);
        using (var json = new Utf8JsonWriter(buffer, JsonOutput.Options))
        {
            json.WriteStartObject();
            json.WriteString("model", target.Model);
            json.WriteNumber("max_tokens", maxTokens);
            if (system.Count > 0)
            {
                json.WriteStartArray("system");
                for (var i = 0; i < system.Count; i++)
                {
                    WriteText(json, system[i], cacheBreakpoint: i == system.Count - 1);
                }
                json.WriteEndArray();
            }
            json.WriteStartArray("messages");
            for (var i = 0; i < messages.Count; i++)
            {
                WriteMessage(json, messages[i], names, cacheBreakpoint: i == messages.Count - 1);
            }
            json.WriteEndArray();
            if (conversation.Tools.Count > 0)
            {
                json.WriteStartArray("tools");
                for (var i = 0; i < conversation.Tools.Count; i++)
                {
                    WriteTool(json, conversation.Tools[i], names, cacheBreakpoint: i == conversation.Tools.Count - 1);
                }
                json.WriteEndArray();
                WriteToolChoice(json, conversation, names);
            }
            if (budget >= 1024)
            {
                json.WriteStartObject("thinking");
                json.WriteString("type", "enabled");
                json.WriteNumber("budget_tokens", budget);
                json.WriteEndObject();
            }
            else
            {
                // Thinking allows neither; without it they go as asked.
                WriteNumber(json, "temperature", conversation.Temperature);
                WriteNumber(json, "top_p", conversation.TopP);
            }
            if (conversation.Stop.Count > 0)
            {
                json.WriteStartArray("stop_sequences");
                conversation.Stop.ForEach(json.WriteStringValue);
                json.WriteEndArray();
            }
            if (conversation.Format is { } format)
            {
                json.WriteStartObject("output_config");
                json.WriteStartObject("format");
                json.WriteString("type", "json_schema");
                json.WritePropertyName("schema");
                if (format.Schema is { } schema)
                {
                    schema.WriteTo(json);
                }
                else
                {
                    // JSON mode without a schema: any object.
                    json.WriteStartObject();
                    json.WriteString("type", "object");
                    json.WriteEndObject();
                }
                json.WriteEndObject();
                json.WriteEndObject();
            }
            if (conversation.Stream)
            {
                json.WriteBoolean("stream", true);
            }
            json.WriteEndObject();
        }
        return new TargetRequest(buffer.WrittenSpan.ToArray(), names, dropped, conversation.Stream);
    }

    /// <summary>A Messages message: a role and its blocks (consecutive turns of one role merged, as the API expects).</summary>
    private sealed record Message(string Role, List<Part> Blocks);

    private static List<Message> Messages(List<Turn> turns)
    {
        var messages = new List<Message>();
        foreach (var turn in turns.Where(t => t.Role != Role.System))
        {
            var role = turn.Role == Role.Assistant ? "assistant" : "user";
            var blocks = turn.Parts.Where(Sendable).ToList();
            if (blocks.Count == 0)
            {
                continue;
            }
            if (messages.Count > 0 && messages[^1].Role == role)
            {
                // Tool results lead a user message: results after text would not answer the calls.
                if (turn.Role == Role.Tool && messages[^1].Blocks.Any(b => b is not ToolResultPart))
                {
                    messages[^1].Blocks.InsertRange(messages[^1].Blocks.FindIndex(b => b is not ToolResultPart), blocks);
                }
                else
                {
                    messages[^1].Blocks.AddRange(blocks);
                }
                continue;
            }
            messages.Add(new Message(role, blocks));
        }
        return messages;
    }

    /// <summary>Empty text is refused by the API; reasoning goes only as what a Messages target made.</summary>
    private static bool Sendable(Part part) => part switch
    {
        TextPart text => text.Text.Length > 0,
        ReasoningPart reasoning => ReasoningCarrier.Unpack(reasoning.Opaque) is { Origin: Protocol.Messages },
        _ => true,
    };

    /// <summary>
    /// With thinking on, the API wants the last assistant turn of an unfinished tool loop to open with its thinking;
    /// a turn whose thinking is not here (another kind of target made it) is sent without thinking.
    /// </summary>
    private static bool ContinuesToolLoopWithoutThinking(List<Message> messages) =>
        messages.LastOrDefault(m => m.Role == "assistant") is { } last
        && last.Blocks.Any(b => b is ToolCallPart)
        && last.Blocks[0] is not ReasoningPart
        && messages[^1].Role == "user" && messages[^1].Blocks.Any(b => b is ToolResultPart);

    private static void WriteMessage(Utf8JsonWriter json, Message message, ToolNames names, bool cacheBreakpoint)
    {
        json.WriteStartObject();
        json.WriteString("role", message.Role);
        json.WriteStartArray("content");
        for (var i = 0; i < message.Blocks.Count; i++)
        {
            WriteBlock(json, message.Blocks[i], names, cacheBreakpoint && i == message.Blocks.Count - 1);
        }
        json.WriteEndArray();
        json.WriteEndObject();
    }

    private static void WriteBlock(Utf8JsonWriter json, Part part, ToolNames names, bool cacheBreakpoint)
    {
        switch (part)
        {
            case TextPart text:
                WriteText(json, text.Text, cacheBreakpoint);
                return;
            case ImagePart image:
                WriteImage(json, image, cacheBreakpoint);
                return;
            case ToolCallPart call:
                json.WriteStartObject();
                json.WriteString("type", "tool_use");
                json.WriteString("id", call.Id);
                json.WriteString("name", names.Flatten(call.Namespace, call.Name));
                json.WritePropertyName("input");
                WriteInput(json, call.Arguments);
                CacheControl(json, cacheBreakpoint);
                json.WriteEndObject();
                return;
            case ToolResultPart result:
                json.WriteStartObject();
                json.WriteString("type", "tool_result");
                json.WriteString("tool_use_id", result.CallId);
                if (result.Content.All(p => p is TextPart))
                {
                    json.WriteString("content", string.Join("\n", result.Content.OfType<TextPart>().Select(t => t.Text)));
                }
                else
                {
                    json.WriteStartArray("content");
                    foreach (var inner in result.Content)
                    {
                        WriteBlock(json, inner, names, cacheBreakpoint: false);
                    }
                    json.WriteEndArray();
                }
                if (result.IsError)
                {
                    json.WriteBoolean("is_error", true);
                }
                CacheControl(json, cacheBreakpoint);
                json.WriteEndObject();
                return;
            case ReasoningPart reasoning when ReasoningCarrier.Unpack(reasoning.Opaque) is { } carried:
                json.WriteStartObject();
                if (carried.Redacted)
                {
                    json.WriteString("type", "redacted_thinking");
                    json.WriteString("data", carried.Secret);
                }
                else
                {
                    json.WriteString("type", "thinking");
                    json.WriteString("thinking", carried.Text ?? "");
                    json.WriteString("signature", carried.Secret);
                }
                json.WriteEndObject();
                return;
        }
    }

    private static void WriteText(Utf8JsonWriter json, string text, bool cacheBreakpoint)
    {
        json.WriteStartObject();
        json.WriteString("type", "text");
        json.WriteString("text", text);
        CacheControl(json, cacheBreakpoint);
        json.WriteEndObject();
    }

    private static void WriteImage(Utf8JsonWriter json, ImagePart image, bool cacheBreakpoint)
    {
        json.WriteStartObject();
        json.WriteString("type", "image");
        json.WriteStartObject("source");
        if (image.Url.StartsWith("data:", StringComparison.Ordinal))
        {
            var comma = image.Url.IndexOf(',', StringComparison.Ordinal);
            var header = comma > 5 ? image.Url[5..comma] : "";
            if (comma < 0 || !header.EndsWith(";base64", StringComparison.Ordinal))
            {
                throw new TranslationException("An image data URL must be base64 encoded (data:image/png;base64,...).", "messages");
            }
            json.WriteString("type", "base64");
            json.WriteString("media_type", header[..^";base64".Length]);
            json.WriteString("data", image.Url[(comma + 1)..]);
        }
        else
        {
            json.WriteString("type", "url");
            json.WriteString("url", image.Url);
        }
        json.WriteEndObject();
        CacheControl(json, cacheBreakpoint);
        json.WriteEndObject();
    }

    /// <summary>A call's arguments as the object Messages wants; empty arguments are an empty object.</summary>
    private static void WriteInput(Utf8JsonWriter json, string arguments)
    {
        if (string.IsNullOrWhiteSpace(arguments))
        {
            json.WriteStartObject();
            json.WriteEndObject();
            return;
        }
        try
        {
            using var parsed = JsonDocument.Parse(arguments);
            if (parsed.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new TranslationException("A tool call's arguments must be a JSON object for a Messages target.", "messages");
            }
            parsed.RootElement.WriteTo(json);
        }
        catch (JsonException)
        {
            throw new TranslationException("A tool call's arguments are not valid JSON.", "messages");
        }
    }

    private static void WriteTool(Utf8JsonWriter json, FunctionTool tool, ToolNames names, bool cacheBreakpoint)
    {
        json.WriteStartObject();
        json.WriteString("name", names.Flatten(tool.Namespace, tool.Name));
        if (tool.Description is { } description)
        {
            json.WriteString("description", description);
        }
        json.WritePropertyName("input_schema");
        if (tool.Parameters is { } parameters)
        {
            parameters.WriteTo(json);
        }
        else
        {
            json.WriteStartObject();
            json.WriteString("type", "object");
            json.WriteEndObject();
        }
        CacheControl(json, cacheBreakpoint);
        json.WriteEndObject();
    }

    private static void WriteToolChoice(Utf8JsonWriter json, Conversation conversation, ToolNames names)
    {
        if (conversation.ToolChoice is null && conversation.ParallelToolCalls != false)
        {
            return;
        }
        json.WriteStartObject("tool_choice");
        switch (conversation.ToolChoice)
        {
            case { Mode: ToolChoiceMode.Required }:
                json.WriteString("type", "any");
                break;
            case { Mode: ToolChoiceMode.None }:
                json.WriteString("type", "none");
                break;
            case { Mode: ToolChoiceMode.Function } named:
                json.WriteString("type", "tool");
                json.WriteString("name", names.Flatten(named.Namespace, named.Name!));
                break;
            default:
                json.WriteString("type", "auto");
                break;
        }
        if (conversation.ParallelToolCalls == false && conversation.ToolChoice?.Mode != ToolChoiceMode.None)
        {
            json.WriteBoolean("disable_parallel_tool_use", true);
        }
        json.WriteEndObject();
    }

    private static void CacheControl(Utf8JsonWriter json, bool breakpoint)
    {
        if (breakpoint)
        {
            json.WriteStartObject("cache_control");
            json.WriteString("type", "ephemeral");
            json.WriteEndObject();
        }
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
