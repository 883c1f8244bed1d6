using System.Text.Json;
using GenAiRouter.Protocols.Canonical;

namespace GenAiRouter.Protocols.Chat;

/// <summary>
/// A Chat Completions request as a <see cref="Conversation"/>, accepting what coding agents send: <c>system</c> and
/// <c>developer</c> messages; user content as a string or parts (text, <c>image_url</c> with a data or https URL);
/// assistant turns with <c>content</c> "" or null, <c>tool_calls</c> and <c>reasoning_content</c> echoed back; tool
/// messages with a string or text parts; <c>max_tokens</c> or <c>max_completion_tokens</c>; <c>reasoning_effort</c>;
/// <c>response_format</c>; <c>stream_options.include_usage</c>. Only one choice (<c>n</c> = 1) can be translated.
/// Provider extras (e.g. <c>search_parameters</c>) have no equivalent in other protocols and are left out.
/// </summary>
public static class ChatRequestReader
{
    public static Conversation Read(JsonElement request)
    {
        if (JsonRead.Property(request, "n") is { ValueKind: JsonValueKind.Number } n && (!n.TryGetInt32(out var choices) || choices != 1))
        {
            throw new TranslationException("Only one choice ('n': 1) can be served by a target of another protocol.", "n");
        }
        var conversation = new Conversation
        {
            Model = JsonRead.Text(request, "model") ?? "",
            Stream = JsonRead.Boolean(request, "stream") == true,
            StreamUsage = JsonRead.Property(request, "stream_options") is { } options && JsonRead.Boolean(options, "include_usage") == true,
            ParallelToolCalls = JsonRead.Boolean(request, "parallel_tool_calls"),
            MaxOutputTokens = Integer(request, "max_completion_tokens") ?? Integer(request, "max_tokens"),
            Temperature = JsonRead.Property(request, "temperature") is { ValueKind: JsonValueKind.Number } temperature ? temperature : null,
            TopP = JsonRead.Property(request, "top_p") is { ValueKind: JsonValueKind.Number } topP ? topP : null,
            ReasoningEffort = JsonRead.Text(request, "reasoning_effort"),
            SessionKey = JsonRead.Text(request, "prompt_cache_key"),
        };
        switch (JsonRead.Property(request, "stop"))
        {
            case { ValueKind: JsonValueKind.String } stop:
                conversation.Stop.Add(stop.GetString()!);
                break;
            case { ValueKind: JsonValueKind.Array } stops:
                conversation.Stop.AddRange(stops.EnumerateArray().Where(s => s.ValueKind == JsonValueKind.String).Select(s => s.GetString()!));
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
        if (JsonRead.Property(request, "tools") is { ValueKind: JsonValueKind.Array } tools)
        {
            foreach (var tool in tools.EnumerateArray())
            {
                if (JsonRead.Text(tool, "type") is not ("function" or null) || JsonRead.Property(tool, "function") is not { ValueKind: JsonValueKind.Object } function)
                {
                    throw new TranslationException($"Tools of type '{JsonRead.Text(tool, "type")}' cannot be translated for a target of another protocol.", "tools");
                }
                conversation.Tools.Add(new FunctionTool(null, JsonRead.Required(function, "name"), JsonRead.Text(function, "description"),
                    JsonRead.Property(function, "parameters") is { ValueKind: JsonValueKind.Object } parameters ? parameters.Clone() : null,
                    JsonRead.Boolean(function, "strict") == true));
            }
        }
        conversation.ToolChoice = JsonRead.Property(request, "tool_choice") switch
        {
            { ValueKind: JsonValueKind.String } mode => mode.GetString() switch
            {
                "none" => new ToolChoice(ToolChoiceMode.None),
                "required" => new ToolChoice(ToolChoiceMode.Required),
                _ => new ToolChoice(ToolChoiceMode.Auto),
            },
            { ValueKind: JsonValueKind.Object } named when JsonRead.Property(named, "function") is { } f && JsonRead.Text(f, "name") is { } name =>
                new ToolChoice(ToolChoiceMode.Function, null, name),
            _ => null,
        };
        if (JsonRead.Property(request, "response_format") is { ValueKind: JsonValueKind.Object } format)
        {
            conversation.Format = JsonRead.Text(format, "type") switch
            {
                "json_object" => new ResponseFormat(false, null, null, false),
                "json_schema" when JsonRead.Property(format, "json_schema") is { } schema => new ResponseFormat(true, JsonRead.Text(schema, "name"),
                    JsonRead.Property(schema, "schema")?.Clone(), JsonRead.Boolean(schema, "strict") == true, JsonRead.Text(schema, "description")),
                _ => null,
            };
        }
        return conversation;
    }

    private static void ReadMessage(JsonElement message, List<Turn> turns)
    {
        var role = JsonRead.Text(message, "role");
        switch (role)
        {
            case "system" or "developer":
                turns.Add(new Turn(Role.System, Content(message, allowImages: false)));
                break;
            case "user":
                turns.Add(new Turn(Role.User, Content(message, allowImages: true)));
                break;
            case "assistant":
                var parts = new List<Part>();
                if (JsonRead.Text(message, "reasoning_content") is { Length: > 0 } reasoning)
                {
                    parts.Add(new ReasoningPart(reasoning, null));
                }
                parts.AddRange(Content(message, allowImages: false).Where(p => p is not TextPart { Text.Length: 0 }));
                if (JsonRead.Property(message, "tool_calls") is { ValueKind: JsonValueKind.Array } calls)
                {
                    foreach (var call in calls.EnumerateArray())
                    {
                        var function = JsonRead.Property(call, "function") ?? throw new TranslationException("A tool call is missing its 'function'.", "messages");
                        parts.Add(new ToolCallPart(JsonRead.Required(call, "id"), null, JsonRead.Required(function, "name"), JsonRead.Text(function, "arguments") ?? "{}"));
                    }
                }
                turns.Add(new Turn(Role.Assistant, parts));
                break;
            case "tool":
                var result = new ToolResultPart(JsonRead.Required(message, "tool_call_id"), Content(message, allowImages: false));
                // Results of one assistant turn's calls travel together.
                if (turns.LastOrDefault() is { Role: Role.Tool } previous)
                {
                    previous.Parts.Add(result);
                }
                else
                {
                    turns.Add(new Turn(Role.Tool, [result]));
                }
                break;
            default:
                throw new TranslationException($"Messages with the role '{role}' cannot be translated for a target of another protocol.", "messages");
        }
    }

    private static List<Part> Content(JsonElement message, bool allowImages)
    {
        if (!message.TryGetProperty("content", out var content) || content.ValueKind == JsonValueKind.Null)
        {
            return [];
        }
        if (content.ValueKind == JsonValueKind.String)
        {
            return [new TextPart(content.GetString()!)];
        }
        if (content.ValueKind != JsonValueKind.Array)
        {
            throw new TranslationException("A message's 'content' must be a string or a list of parts.", "messages");
        }
        var parts = new List<Part>();
        foreach (var part in content.EnumerateArray())
        {
            switch (JsonRead.Text(part, "type"))
            {
                case "text" or "input_text":
                    parts.Add(new TextPart(JsonRead.Text(part, "text") ?? ""));
                    break;
                case "refusal":
                    parts.Add(new TextPart(JsonRead.Text(part, "refusal") ?? ""));
                    break;
                case "image_url" when allowImages:
                    var image = JsonRead.Property(part, "image_url");
                    var url = image is { ValueKind: JsonValueKind.String } plain ? plain.GetString() : image is { } described ? JsonRead.Text(described, "url") : null;
                    parts.Add(new ImagePart(url ?? throw new TranslationException("An image_url part needs its 'url'.", "messages"), image is { ValueKind: JsonValueKind.Object } d ? JsonRead.Text(d, "detail") : null));
                    break;
                case var other:
                    throw new TranslationException($"Message content of type '{other}' cannot be translated for a target of another protocol.", "messages");
            }
        }
        return parts;
    }

    private static long? Integer(JsonElement request, string property) =>
        JsonRead.Property(request, property) is { ValueKind: JsonValueKind.Number } value && value.TryGetInt64(out var n) ? n : null;
}
