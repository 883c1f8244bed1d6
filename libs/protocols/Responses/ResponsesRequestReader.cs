using System.Collections.Frozen;
using System.Text.Json;
using GenAiRouter.Protocols.Canonical;

namespace GenAiRouter.Protocols.Responses;

/// <summary>
/// A Responses request as a <see cref="Conversation"/>: <c>instructions</c>; <c>input</c> as a string or items
/// (messages of any role, <c>function_call</c>s joined into the assistant turn they belong to, their outputs, and
/// reasoning items with their encrypted content); function tools and <c>namespace</c> groups; hosted tools by type;
/// and the settings every protocol has. Items of other types cannot be translated, and say so.
/// </summary>
public static class ResponsesRequestReader
{
    public static readonly FrozenSet<string> HostedToolTypes = FrozenSet.Create(StringComparer.Ordinal,
        "web_search", "web_search_preview", "web_search_2025_08_26", "web_search_preview_2025_03_11", "file_search",
        "code_interpreter", "image_generation", "computer_use", "computer_use_preview", "mcp");

    public static Conversation Read(JsonElement request)
    {
        var conversation = new Conversation
        {
            Model = JsonRead.Text(request, "model") ?? "",
            Stream = JsonRead.Boolean(request, "stream") == true,
            ParallelToolCalls = JsonRead.Boolean(request, "parallel_tool_calls"),
            MaxOutputTokens = JsonRead.Property(request, "max_output_tokens") is { ValueKind: JsonValueKind.Number } max && max.TryGetInt64(out var m) ? m : null,
            Temperature = JsonRead.Property(request, "temperature") is { ValueKind: JsonValueKind.Number } temperature ? temperature : null,
            TopP = JsonRead.Property(request, "top_p") is { ValueKind: JsonValueKind.Number } topP ? topP : null,
            ReasoningEffort = JsonRead.Property(request, "reasoning") is { } reasoning ? JsonRead.Text(reasoning, "effort") : null,
            SessionKey = JsonRead.Text(request, "prompt_cache_key"),
        };
        if (JsonRead.Text(request, "instructions") is { } instructions)
        {
            conversation.Instructions.Add(instructions);
        }
        ReadInput(request, conversation);
        ReadTools(request, conversation);
        if (JsonRead.Property(request, "tool_choice") is { } choice)
        {
            conversation.ToolChoice = ReadToolChoice(choice);
        }
        if (JsonRead.Property(request, "text") is { } text && JsonRead.Property(text, "format") is { ValueKind: JsonValueKind.Object } format)
        {
            conversation.Format = JsonRead.Text(format, "type") switch
            {
                "json_object" => new ResponseFormat(false, null, null, false),
                "json_schema" => new ResponseFormat(true, JsonRead.Text(format, "name"), JsonRead.Property(format, "schema")?.Clone(), JsonRead.Boolean(format, "strict") == true, JsonRead.Text(format, "description")),
                _ => null,
            };
        }
        return conversation;
    }

    private static void ReadInput(JsonElement request, Conversation conversation)
    {
        if (!request.TryGetProperty("input", out var input))
        {
            return;
        }
        if (input.ValueKind == JsonValueKind.String)
        {
            conversation.Turns.Add(Turn.Text(Role.User, input.GetString()!));
            return;
        }
        if (input.ValueKind != JsonValueKind.Array)
        {
            throw new TranslationException("'input' must be a string or a list of items.", "input");
        }
        var turns = conversation.Turns;
        foreach (var item in input.EnumerateArray())
        {
            var type = JsonRead.Text(item, "type") ?? (item.TryGetProperty("role", out _) ? "message" : null);
            switch (type)
            {
                case "message":
                    turns.Add(Message(item));
                    break;
                case "function_call":
                    var arguments = item.TryGetProperty("arguments", out var args)
                        ? args.ValueKind == JsonValueKind.String ? args.GetString()! : throw new TranslationException("A function_call's 'arguments' must be a JSON string.", "input")
                        : "";
                    // Consecutive calls (and the text and reasoning before them) form one assistant turn.
                    AssistantTurn(turns).Parts.Add(new ToolCallPart(JsonRead.Required(item, "call_id"), JsonRead.Text(item, "namespace"), JsonRead.Required(item, "name"), arguments));
                    break;
                case "function_call_output":
                    turns.Add(new Turn(Role.Tool, [new ToolResultPart(JsonRead.Required(item, "call_id"), ToolOutput(item))]));
                    break;
                case "reasoning":
                    var summary = JsonRead.Property(item, "summary") is { ValueKind: JsonValueKind.Array } parts
                        ? string.Concat(parts.EnumerateArray().Select(p => JsonRead.Text(p, "text")))
                        : null;
                    AssistantTurn(turns).Parts.Add(new ReasoningPart(summary, JsonRead.Text(item, "encrypted_content"), JsonRead.Text(item, "id")));
                    break;
                default:
                    throw new TranslationException($"Input items of type '{type}' cannot be translated for a target of another protocol.", "input");
            }
        }
    }

    private static Turn AssistantTurn(List<Turn> turns)
    {
        if (turns.LastOrDefault() is { Role: Role.Assistant } last)
        {
            return last;
        }
        var turn = new Turn(Role.Assistant, []);
        turns.Add(turn);
        return turn;
    }

    private static Turn Message(JsonElement item)
    {
        // Many servers know no "developer" role; it carries the same weight as system.
        var role = JsonRead.Text(item, "role") switch
        {
            "developer" or "system" => Role.System,
            "assistant" => Role.Assistant,
            _ => Role.User,
        };
        if (!item.TryGetProperty("content", out var content) || content.ValueKind == JsonValueKind.Null)
        {
            return Turn.Text(role, "");
        }
        if (content.ValueKind == JsonValueKind.String)
        {
            return Turn.Text(role, content.GetString()!);
        }
        var parts = new List<Part>();
        foreach (var part in content.EnumerateArray())
        {
            parts.Add(JsonRead.Text(part, "type") switch
            {
                "input_text" or "output_text" or "text" => new TextPart(JsonRead.Text(part, "text") ?? ""),
                "refusal" => new TextPart(JsonRead.Text(part, "refusal") ?? ""),
                "input_image" => new ImagePart(
                    JsonRead.Text(part, "image_url") ?? throw new TranslationException("Images must be sent as image_url (a URL or data URL) to a target of another protocol.", "input"),
                    JsonRead.Text(part, "detail")),
                var other => throw new TranslationException($"Message content of type '{other}' cannot be translated for a target of another protocol.", "input"),
            });
        }
        return new Turn(role, parts);
    }

    private static List<Part> ToolOutput(JsonElement item)
    {
        if (!item.TryGetProperty("output", out var output))
        {
            return [new TextPart("")];
        }
        if (output.ValueKind == JsonValueKind.String)
        {
            return [new TextPart(output.GetString()!)];
        }
        if (output.ValueKind != JsonValueKind.Array)
        {
            return [new TextPart(output.GetRawText())];
        }
        var parts = new List<Part>();
        foreach (var part in output.EnumerateArray())
        {
            parts.Add(JsonRead.Text(part, "type") switch
            {
                "input_text" or "output_text" => new TextPart(JsonRead.Text(part, "text") ?? ""),
                "input_image" when JsonRead.Text(part, "image_url") is { } url => new ImagePart(url, JsonRead.Text(part, "detail")),
                var other => throw new TranslationException($"Tool output parts of type '{other}' cannot be translated for a target of another protocol.", "input"),
            });
        }
        return parts;
    }

    private static void ReadTools(JsonElement request, Conversation conversation)
    {
        if (JsonRead.Property(request, "tools") is not { ValueKind: JsonValueKind.Array } tools)
        {
            return;
        }
        foreach (var tool in tools.EnumerateArray())
        {
            var type = JsonRead.Text(tool, "type");
            if (type == "function")
            {
                conversation.Tools.Add(Function(null, tool));
            }
            else if (type == "namespace" && JsonRead.Property(tool, "tools") is { ValueKind: JsonValueKind.Array } inner)
            {
                var ns = JsonRead.Required(tool, "name");
                conversation.Tools.AddRange(inner.EnumerateArray().Select(f => Function(ns, f)));
            }
            else if (type is not null && HostedToolTypes.Contains(type))
            {
                conversation.HostedTools.Add(type);
            }
            else
            {
                throw new TranslationException($"Tools of type '{type}' cannot be translated for a target of another protocol.", "tools");
            }
        }
    }

    private static FunctionTool Function(string? ns, JsonElement function) => new(
        ns,
        JsonRead.Required(function, "name"),
        JsonRead.Text(function, "description"),
        JsonRead.Property(function, "parameters") is { ValueKind: JsonValueKind.Object } parameters ? parameters.Clone() : null,
        JsonRead.Boolean(function, "strict") == true);

    private static ToolChoice? ReadToolChoice(JsonElement choice) => choice.ValueKind switch
    {
        JsonValueKind.String => choice.GetString() switch
        {
            "none" => new ToolChoice(ToolChoiceMode.None),
            "required" => new ToolChoice(ToolChoiceMode.Required),
            _ => new ToolChoice(ToolChoiceMode.Auto),
        },
        JsonValueKind.Object when JsonRead.Text(choice, "name") is { } name => new ToolChoice(ToolChoiceMode.Function, JsonRead.Text(choice, "namespace"), name),
        _ => null,
    };
}
