using System.Text.Json;
using GenAiRouter.Protocols.Canonical;

namespace GenAiRouter.Protocols.Messages;

/// <summary>
/// An Anthropic Messages request (as Claude Code and the Anthropic SDKs send it) -> the conversation: <c>system</c> as a
/// string or text blocks, <c>system</c> messages among the others, user and assistant content as a string or blocks
/// (text, images by base64 or URL, <c>tool_use</c>, <c>tool_result</c>, <c>thinking</c> and <c>redacted_thinking</c>),
/// tools and <c>tool_choice</c>, <c>thinking</c> or <c>output_config.effort</c> as the reasoning effort, and
/// <c>output_config.format</c> as structured output. Blocks only Anthropic serves (documents, server tools' results)
/// are refused with the reason; <c>cache_control</c> marks only mean something to a Messages target, which gets
/// the request natively, so they are not read.
/// </summary>
public static class MessagesRequestReader
{
    /// <summary>Claude Code's per-call billing attribution line: meaningless to other providers, and it changes every call.</summary>
    private const string BillingHeader = "x-anthropic-billing-header:";

    public static Conversation Read(JsonElement request)
    {
        var conversation = new Conversation
        {
            Model = JsonRead.Text(request, "model") ?? "",
            Stream = JsonRead.Boolean(request, "stream") == true,
            // Messages streams always end with usage.
            StreamUsage = true,
            MaxOutputTokens = JsonRead.Property(request, "max_tokens") is { ValueKind: JsonValueKind.Number } max && max.TryGetInt64(out var tokens) ? tokens : null,
            Temperature = JsonRead.Property(request, "temperature") is { ValueKind: JsonValueKind.Number } temperature ? temperature : null,
            TopP = JsonRead.Property(request, "top_p") is { ValueKind: JsonValueKind.Number } topP ? topP : null,
            ReasoningEffort = Effort(request),
            SessionKey = SessionOf(request),
        };
        if (JsonRead.Property(request, "stop_sequences") is { ValueKind: JsonValueKind.Array } stops)
        {
            conversation.Stop.AddRange(stops.EnumerateArray().Where(s => s.ValueKind == JsonValueKind.String).Select(s => s.GetString()!));
        }
        switch (JsonRead.Property(request, "system"))
        {
            case { ValueKind: JsonValueKind.String } system:
                conversation.Instructions.Add(system.GetString()!);
                break;
            case { ValueKind: JsonValueKind.Array } blocks:
                conversation.Instructions.AddRange(blocks.EnumerateArray()
                    .Select(b => JsonRead.Text(b, "text"))
                    .Where(t => t is not null && !t.StartsWith(BillingHeader, StringComparison.Ordinal))!);
                break;
        }
        if (JsonRead.Property(request, "messages") is not { ValueKind: JsonValueKind.Array } messages)
        {
            throw new TranslationException("'messages' must be a list of messages.", "messages");
        }
        foreach (var message in messages.EnumerateArray())
        {
            ReadMessage(message, conversation.Turns);
        }
        ReadTools(request, conversation);
        if (JsonRead.Property(request, "output_config") is { } output && JsonRead.Property(output, "format") is { } format && JsonRead.Text(format, "type") == "json_schema")
        {
            conversation.Format = new ResponseFormat(true, null, JsonRead.Property(format, "schema")?.Clone(), Strict: true);
        }
        return conversation;
    }

    private static string? Effort(JsonElement request)
    {
        var thinking = JsonRead.Property(request, "thinking");
        return ThinkingLevel.Of(JsonRead.Property(request, "output_config") is { } output ? JsonRead.Text(output, "effort") : null,
            thinking is { } t ? JsonRead.Text(t, "type") : null, thinking is { } b ? JsonRead.Number(b, "budget_tokens") : 0);
    }

    /// <summary>Claude Code puts its session in <c>metadata.user_id</c>, a JSON object written as a string.</summary>
    private static string? SessionOf(JsonElement request)
    {
        if (JsonRead.Property(request, "metadata") is not { } metadata || JsonRead.Text(metadata, "user_id") is not { Length: > 0 } user)
        {
            return null;
        }
        if (user[0] != '{')
        {
            return null;
        }
        try
        {
            using var parsed = JsonDocument.Parse(user);
            return JsonRead.Text(parsed.RootElement, "session_id");
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static void ReadMessage(JsonElement message, List<Turn> turns)
    {
        var role = JsonRead.Text(message, "role");
        if (role is not ("user" or "assistant" or "system"))
        {
            throw new TranslationException($"Messages with the role '{role}' cannot be translated for a target of another protocol.", "messages");
        }
        if (!message.TryGetProperty("content", out var content) || content.ValueKind is not (JsonValueKind.String or JsonValueKind.Array))
        {
            throw new TranslationException("A message's 'content' must be a string or a list of content blocks.", "messages");
        }
        var own = role switch { "assistant" => Role.Assistant, "system" => Role.System, _ => Role.User };
        if (content.ValueKind == JsonValueKind.String)
        {
            turns.Add(Turn.Text(own, content.GetString()!));
            return;
        }
        // A user message may open with tool results and go on with text: each run becomes its own turn, in order.
        Turn? current = null;
        foreach (var block in content.EnumerateArray())
        {
            var type = JsonRead.Text(block, "type");
            var part = Block(block, type, own);
            if (part is null)
            {
                continue;
            }
            var turnRole = part is ToolResultPart ? Role.Tool : own;
            if (current is null || current.Role != turnRole)
            {
                current = new Turn(turnRole, []);
                turns.Add(current);
            }
            current.Parts.Add(part);
        }
        if (current is null)
        {
            turns.Add(new Turn(own, []));
        }
    }

    private static Part? Block(JsonElement block, string? type, Role role) => type switch
    {
        "text" => new TextPart(JsonRead.Text(block, "text") ?? ""),
        "image" when role == Role.User => Image(block),
        "tool_use" when role == Role.Assistant => new ToolCallPart(JsonRead.Required(block, "id"), null, JsonRead.Required(block, "name"),
            JsonRead.Property(block, "input") is { } input ? JsonOutput.Compact(input) : "{}"),
        "tool_result" when role == Role.User => new ToolResultPart(JsonRead.Required(block, "tool_use_id"), ResultContent(block), JsonRead.Boolean(block, "is_error") == true),
        "thinking" when role == Role.Assistant => new ReasoningPart(JsonRead.Text(block, "thinking"), JsonRead.Text(block, "signature")),
        "redacted_thinking" when role == Role.Assistant => new ReasoningPart(null, JsonRead.Text(block, "data")),
        _ => throw new TranslationException($"Content blocks of type '{type}' cannot be translated for a target of another protocol.", "messages"),
    };

    private static ImagePart Image(JsonElement block)
    {
        var source = JsonRead.Property(block, "source") ?? throw new TranslationException("An image block needs its 'source'.", "messages");
        return JsonRead.Text(source, "type") switch
        {
            "base64" => new ImagePart($"data:{JsonRead.Text(source, "media_type") ?? "image/png"};base64,{JsonRead.Required(source, "data")}"),
            "url" => new ImagePart(JsonRead.Required(source, "url")),
            var other => throw new TranslationException($"Images with a source of type '{other}' cannot be translated for a target of another protocol.", "messages"),
        };
    }

    private static List<Part> ResultContent(JsonElement block)
    {
        switch (JsonRead.Property(block, "content"))
        {
            case null:
                return [];
            case { ValueKind: JsonValueKind.String } text:
                return [new TextPart(text.GetString()!)];
            case { ValueKind: JsonValueKind.Array } blocks:
                var parts = new List<Part>();
                foreach (var inner in blocks.EnumerateArray())
                {
                    parts.Add(JsonRead.Text(inner, "type") switch
                    {
                        "text" => new TextPart(JsonRead.Text(inner, "text") ?? ""),
                        "image" => Image(inner),
                        var other => throw new TranslationException($"Tool results holding '{other}' blocks cannot be translated for a target of another protocol.", "messages"),
                    });
                }
                return parts;
            default:
                throw new TranslationException("A tool_result's 'content' must be a string or a list of blocks.", "messages");
        }
    }

    private static void ReadTools(JsonElement request, Conversation conversation)
    {
        if (JsonRead.Property(request, "tools") is { ValueKind: JsonValueKind.Array } tools)
        {
            foreach (var tool in tools.EnumerateArray())
            {
                // Client tools carry no type (or "custom"); anything else is a tool Anthropic runs itself.
                if (JsonRead.Text(tool, "type") is { } type && type != "custom")
                {
                    conversation.HostedTools.Add(type);
                    continue;
                }
                conversation.Tools.Add(new FunctionTool(null, JsonRead.Required(tool, "name"), JsonRead.Text(tool, "description"),
                    JsonRead.Property(tool, "input_schema")?.Clone(), Strict: false));
            }
        }
        if (JsonRead.Property(request, "tool_choice") is { } choice)
        {
            conversation.ToolChoice = JsonRead.Text(choice, "type") switch
            {
                "any" => new ToolChoice(ToolChoiceMode.Required),
                "none" => new ToolChoice(ToolChoiceMode.None),
                "tool" => new ToolChoice(ToolChoiceMode.Function, null, JsonRead.Required(choice, "name")),
                _ => new ToolChoice(ToolChoiceMode.Auto),
            };
            if (JsonRead.Boolean(choice, "disable_parallel_tool_use") == true)
            {
                conversation.ParallelToolCalls = false;
            }
        }
    }
}
