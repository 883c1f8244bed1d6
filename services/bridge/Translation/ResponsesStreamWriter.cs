using System.Buffers;
using System.Text;
using System.Text.Json;
namespace GenAiRouter.Bridge.Translation;

/// <summary>One Responses streaming event: its type and the JSON of its <c>data:</c> line.</summary>
public sealed record ResponsesEvent(string Type, byte[] Json)
{
    /// <summary>Writes it as an SSE frame: <c>event: type</c>, <c>data: json</c>, a blank line.</summary>
    public void WriteFrame(IBufferWriter<byte> output)
    {
        var typeLength = Encoding.UTF8.GetByteCount(Type);
        var frame = output.GetSpan(7 + typeLength + 7 + Json.Length + 2);
        "event: "u8.CopyTo(frame);
        Encoding.UTF8.GetBytes(Type, frame[7..]);
        "\ndata: "u8.CopyTo(frame[(7 + typeLength)..]);
        Json.CopyTo(frame[(14 + typeLength)..]);
        "\n\n"u8.CopyTo(frame[(14 + typeLength + Json.Length)..]);
        output.Advance(7 + typeLength + 7 + Json.Length + 2);
    }
}

/// <summary>
/// Chat Completions output -> the Responses event sequence a Responses client expects: <c>response.created</c>,
/// items added, text / reasoning-summary / function-argument deltas, items done, and exactly one terminal event
/// (<c>response.completed</c>, <c>response.incomplete</c> or <c>response.failed</c>) carrying the whole response
/// with its usage. Sequence numbers increase by one per event. Feed it chat chunks (or one whole completion).
/// </summary>
public sealed class ResponsesStreamWriter(string responseId, string model, long createdAt, ToolNames toolNames)
{
    private readonly List<OutputItem> _items = [];
    private readonly Dictionary<int, OutputItem> _toolsByIndex = [];
    private OutputItem? _message;
    private OutputItem? _reasoning;
    private string? _finishReason;
    private JsonElement? _usage;
    private long _sequence;
    private bool _ended;
    private string _status = "in_progress";

    public bool Ended => _ended;

    /// <summary>Why the response failed, once it has.</summary>
    public (string Code, string Message)? Error { get; private set; }

    /// <summary>The response object as it stands (the terminal event's <c>response</c>): a non-streamed caller's answer.</summary>
    public byte[] ResponseJson()
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var w = new Utf8JsonWriter(buffer, JsonOutput.Options))
        {
            WriteResponseObject(w, _status, Error);
        }
        return buffer.WrittenSpan.ToArray();
    }

    public IReadOnlyList<ResponsesEvent> Start() =>
    [
        Event("response.created", w => WriteResponse(w, "in_progress")),
        Event("response.in_progress", w => WriteResponse(w, "in_progress")),
    ];

    /// <summary>One <c>chat.completion.chunk</c>.</summary>
    public IEnumerable<ResponsesEvent> OnChunk(JsonElement chunk)
    {
        if (_ended)
        {
            return [];
        }
        if (chunk.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.Object)
        {
            return Fail("upstream_error", error.TryGetProperty("message", out var m) ? m.GetString() ?? "The chat upstream failed." : "The chat upstream failed.");
        }
        var events = new List<ResponsesEvent>();
        if (chunk.TryGetProperty("usage", out var usage) && usage.ValueKind == JsonValueKind.Object)
        {
            _usage = usage.Clone();
        }
        if (!chunk.TryGetProperty("choices", out var choices) || choices.ValueKind != JsonValueKind.Array || choices.GetArrayLength() == 0)
        {
            return events;
        }
        var choice = choices[0];
        if (choice.TryGetProperty("delta", out var delta) && delta.ValueKind == JsonValueKind.Object)
        {
            Apply(delta, events);
        }
        if (choice.TryGetProperty("finish_reason", out var finish) && finish.ValueKind == JsonValueKind.String)
        {
            _finishReason = finish.GetString();
        }
        return events;
    }

    /// <summary>A whole (non-streamed) <c>chat.completion</c>: the same events, then the terminal one.</summary>
    public IEnumerable<ResponsesEvent> OnCompletion(JsonElement completion)
    {
        if (_ended)
        {
            return [];
        }
        var events = new List<ResponsesEvent>();
        if (completion.TryGetProperty("usage", out var usage) && usage.ValueKind == JsonValueKind.Object)
        {
            _usage = usage.Clone();
        }
        if (!completion.TryGetProperty("choices", out var choices) || choices.ValueKind != JsonValueKind.Array || choices.GetArrayLength() == 0)
        {
            return Fail("upstream_error", "The chat upstream answered without a choice.");
        }
        var choice = choices[0];
        if (choice.TryGetProperty("message", out var message) && message.ValueKind == JsonValueKind.Object)
        {
            if (message.TryGetProperty("tool_calls", out var calls) && calls.ValueKind == JsonValueKind.Array)
            {
                // A whole message lists its calls without stream indexes; give them the positions they have.
                var numbered = calls.EnumerateArray().Select((call, index) => (call, index)).ToList();
                Apply(message, events, numbered);
            }
            else
            {
                Apply(message, events);
            }
        }
        _finishReason = choice.TryGetProperty("finish_reason", out var finish) && finish.ValueKind == JsonValueKind.String ? finish.GetString() : "stop";
        events.AddRange(Finish(sawDone: true));
        return events;
    }

    /// <summary>The upstream stream ended ([DONE] or end of body): close what is open and end the response.</summary>
    public IEnumerable<ResponsesEvent> Finish(bool sawDone)
    {
        if (_ended)
        {
            return [];
        }
        if (_finishReason is null && !sawDone)
        {
            return Fail("upstream_incomplete", "The chat upstream's stream ended before the answer was finished.");
        }
        var events = new List<ResponsesEvent>();
        CloseAll(events);
        _ended = true;
        var (type, status) = _finishReason switch
        {
            "length" => ("response.incomplete", "incomplete"),
            "content_filter" => ("response.incomplete", "incomplete"),
            _ => ("response.completed", "completed"),
        };
        _status = status;
        events.Add(Event(type, w => WriteResponse(w, status)));
        return events;
    }

    /// <summary>Ends the response as failed, e.g. when the upstream broke off or sent an error.</summary>
    public IEnumerable<ResponsesEvent> Fail(string code, string message)
    {
        if (_ended)
        {
            return [];
        }
        var events = new List<ResponsesEvent>();
        CloseAll(events);
        _ended = true;
        _status = "failed";
        Error = (code, message);
        events.Add(Event("response.failed", w => WriteResponse(w, "failed", (code, message))));
        return events;
    }

    private void Apply(JsonElement delta, List<ResponsesEvent> events, List<(JsonElement Call, int Index)>? numberedCalls = null)
    {
        var reasoning = Text(delta, "reasoning_content") ?? Text(delta, "reasoning");
        if (!string.IsNullOrEmpty(reasoning))
        {
            ReasoningDelta(reasoning, events);
        }
        var content = Text(delta, "content");
        if (!string.IsNullOrEmpty(content))
        {
            CloseReasoning(events);
            TextDelta(content, events);
        }
        var calls = numberedCalls ?? (delta.TryGetProperty("tool_calls", out var tc) && tc.ValueKind == JsonValueKind.Array
            ? tc.EnumerateArray().Select(c => (c, c.TryGetProperty("index", out var i) && i.TryGetInt32(out var n) ? n : 0)).ToList()
            : null);
        if (calls is not null)
        {
            CloseReasoning(events);
            CloseMessage(events);
            foreach (var (call, index) in calls)
            {
                ToolDelta(index, call, events);
            }
        }
    }

    private void ReasoningDelta(string text, List<ResponsesEvent> events)
    {
        if (_reasoning is null)
        {
            _reasoning = Add(OutputKind.Reasoning, "rs_");
            var item = _reasoning;
            events.Add(Event("response.output_item.added", w => { w.WriteNumber("output_index", item.OutputIndex); WriteItem(w, "item", item); }));
            events.Add(Event("response.reasoning_summary_part.added", w =>
            {
                ItemRef(w, item);
                w.WriteNumber("summary_index", 0);
                w.WriteStartObject("part");
                w.WriteString("type", "summary_text");
                w.WriteString("text", "");
                w.WriteEndObject();
            }));
        }
        var reasoning = _reasoning;
        reasoning.Text.Append(text);
        events.Add(Event("response.reasoning_summary_text.delta", w => { ItemRef(w, reasoning); w.WriteNumber("summary_index", 0); w.WriteString("delta", text); }));
    }

    private void TextDelta(string text, List<ResponsesEvent> events)
    {
        if (_message is null)
        {
            _message = Add(OutputKind.Message, "msg_");
            var item = _message;
            events.Add(Event("response.output_item.added", w => { w.WriteNumber("output_index", item.OutputIndex); WriteItem(w, "item", item); }));
            events.Add(Event("response.content_part.added", w => { ItemRef(w, item); w.WriteNumber("content_index", 0); WriteTextPart(w, ""); }));
        }
        var message = _message;
        message.Text.Append(text);
        events.Add(Event("response.output_text.delta", w => { ItemRef(w, message); w.WriteNumber("content_index", 0); w.WriteString("delta", text); }));
    }

    private void ToolDelta(int index, JsonElement call, List<ResponsesEvent> events)
    {
        var function = call.TryGetProperty("function", out var f) && f.ValueKind == JsonValueKind.Object ? f : default;
        if (!_toolsByIndex.TryGetValue(index, out var item))
        {
            item = Add(OutputKind.FunctionCall, "fc_");
            item.CallId = Text(call, "id") is { Length: > 0 } id ? id : $"call_{responseId}_{index}";
            (item.Namespace, item.Name) = toolNames.FromChat(function.ValueKind == JsonValueKind.Object ? Text(function, "name") ?? "" : "");
            _toolsByIndex[index] = item;
            var added = item;
            events.Add(Event("response.output_item.added", w => { w.WriteNumber("output_index", added.OutputIndex); WriteItem(w, "item", added); }));
        }
        else if (item.Name.Length == 0 && function.ValueKind == JsonValueKind.Object && Text(function, "name") is { Length: > 0 } lateName)
        {
            (item.Namespace, item.Name) = toolNames.FromChat(lateName);
        }
        var arguments = function.ValueKind == JsonValueKind.Object ? Text(function, "arguments") : null;
        if (!string.IsNullOrEmpty(arguments))
        {
            item.Text.Append(arguments);
            var target = item;
            events.Add(Event("response.function_call_arguments.delta", w => { ItemRef(w, target); w.WriteString("delta", arguments); }));
        }
    }

    private void CloseAll(List<ResponsesEvent> events)
    {
        CloseReasoning(events);
        CloseMessage(events);
        foreach (var tool in _toolsByIndex.Values.Where(t => !t.Done).OrderBy(t => t.OutputIndex))
        {
            tool.Done = true;
            events.Add(Event("response.function_call_arguments.done", w => { ItemRef(w, tool); w.WriteString("arguments", tool.Text.ToString()); }));
            events.Add(Event("response.output_item.done", w => { w.WriteNumber("output_index", tool.OutputIndex); WriteItem(w, "item", tool); }));
        }
    }

    private void CloseReasoning(List<ResponsesEvent> events)
    {
        if (_reasoning is not { Done: false } item)
        {
            return;
        }
        item.Done = true;
        var text = item.Text.ToString();
        events.Add(Event("response.reasoning_summary_text.done", w => { ItemRef(w, item); w.WriteNumber("summary_index", 0); w.WriteString("text", text); }));
        events.Add(Event("response.reasoning_summary_part.done", w =>
        {
            ItemRef(w, item);
            w.WriteNumber("summary_index", 0);
            w.WriteStartObject("part");
            w.WriteString("type", "summary_text");
            w.WriteString("text", text);
            w.WriteEndObject();
        }));
        events.Add(Event("response.output_item.done", w => { w.WriteNumber("output_index", item.OutputIndex); WriteItem(w, "item", item); }));
    }

    private void CloseMessage(List<ResponsesEvent> events)
    {
        if (_message is not { Done: false } item)
        {
            return;
        }
        item.Done = true;
        var text = item.Text.ToString();
        events.Add(Event("response.output_text.done", w => { ItemRef(w, item); w.WriteNumber("content_index", 0); w.WriteString("text", text); }));
        events.Add(Event("response.content_part.done", w => { ItemRef(w, item); w.WriteNumber("content_index", 0); WriteTextPart(w, text); }));
        events.Add(Event("response.output_item.done", w => { w.WriteNumber("output_index", item.OutputIndex); WriteItem(w, "item", item); }));
    }

    private OutputItem Add(OutputKind kind, string prefix)
    {
        var item = new OutputItem(kind, $"{prefix}{responseId}_{_items.Count}", _items.Count);
        _items.Add(item);
        return item;
    }

    private ResponsesEvent Event(string type, Action<Utf8JsonWriter> body)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var w = new Utf8JsonWriter(buffer, JsonOutput.Options))
        {
            w.WriteStartObject();
            w.WriteString("type", type);
            w.WriteNumber("sequence_number", _sequence++);
            body(w);
            w.WriteEndObject();
        }
        return new ResponsesEvent(type, buffer.WrittenSpan.ToArray());
    }

    private void WriteResponse(Utf8JsonWriter w, string status, (string Code, string Message)? error = null)
    {
        w.WritePropertyName("response");
        WriteResponseObject(w, status, error);
    }

    private void WriteResponseObject(Utf8JsonWriter w, string status, (string Code, string Message)? error)
    {
        w.WriteStartObject();
        w.WriteString("id", responseId);
        w.WriteString("object", "response");
        w.WriteNumber("created_at", createdAt);
        w.WriteString("status", status);
        w.WriteString("model", model);
        w.WriteStartArray("output");
        if (status != "in_progress")
        {
            foreach (var item in _items)
            {
                WriteItem(w, null, item);
            }
        }
        w.WriteEndArray();
        if (error is { } e)
        {
            w.WriteStartObject("error");
            w.WriteString("code", e.Code);
            w.WriteString("message", e.Message);
            w.WriteEndObject();
        }
        if (status == "incomplete")
        {
            w.WriteStartObject("incomplete_details");
            w.WriteString("reason", _finishReason == "length" ? "max_output_tokens" : "content_filter");
            w.WriteEndObject();
        }
        if (status == "in_progress" || _usage is not { } usage)
        {
            w.WriteNull("usage");
        }
        else
        {
            WriteUsage(w, usage);
        }
        w.WriteEndObject();
    }

    /// <summary>Chat usage in Responses terms, so metering is the same for native and bridged targets.</summary>
    private static void WriteUsage(Utf8JsonWriter w, JsonElement usage)
    {
        var input = Number(usage, "prompt_tokens");
        var output = Number(usage, "completion_tokens");
        w.WriteStartObject("usage");
        w.WriteNumber("input_tokens", input);
        w.WriteStartObject("input_tokens_details");
        w.WriteNumber("cached_tokens", usage.TryGetProperty("prompt_tokens_details", out var pd) ? Number(pd, "cached_tokens") : 0);
        w.WriteEndObject();
        w.WriteNumber("output_tokens", output);
        w.WriteStartObject("output_tokens_details");
        w.WriteNumber("reasoning_tokens", usage.TryGetProperty("completion_tokens_details", out var cd) ? Number(cd, "reasoning_tokens") : 0);
        w.WriteEndObject();
        w.WriteNumber("total_tokens", usage.TryGetProperty("total_tokens", out _) ? Number(usage, "total_tokens") : input + output);
        w.WriteEndObject();
    }

    private static void WriteItem(Utf8JsonWriter w, string? property, OutputItem item)
    {
        if (property is null)
        {
            w.WriteStartObject();
        }
        else
        {
            w.WriteStartObject(property);
        }
        var status = item.Done ? "completed" : "in_progress";
        switch (item.Kind)
        {
            case OutputKind.Message:
                w.WriteString("type", "message");
                w.WriteString("id", item.Id);
                w.WriteString("status", status);
                w.WriteString("role", "assistant");
                w.WriteStartArray("content");
                if (item.Done)
                {
                    WriteTextPartObject(w, item.Text.ToString());
                }
                w.WriteEndArray();
                break;
            case OutputKind.Reasoning:
                w.WriteString("type", "reasoning");
                w.WriteString("id", item.Id);
                w.WriteStartArray("summary");
                if (item.Done)
                {
                    w.WriteStartObject();
                    w.WriteString("type", "summary_text");
                    w.WriteString("text", item.Text.ToString());
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                break;
            default:
                w.WriteString("type", "function_call");
                w.WriteString("id", item.Id);
                w.WriteString("call_id", item.CallId);
                if (item.Namespace is not null)
                {
                    w.WriteString("namespace", item.Namespace);
                }
                w.WriteString("name", item.Name);
                w.WriteString("arguments", item.Done ? item.Text.ToString() : "");
                w.WriteString("status", status);
                break;
        }
        w.WriteEndObject();
    }

    private static void ItemRef(Utf8JsonWriter w, OutputItem item)
    {
        w.WriteString("item_id", item.Id);
        w.WriteNumber("output_index", item.OutputIndex);
    }

    private static void WriteTextPart(Utf8JsonWriter w, string text)
    {
        w.WritePropertyName("part");
        WriteTextPartObject(w, text);
    }

    private static void WriteTextPartObject(Utf8JsonWriter w, string text)
    {
        w.WriteStartObject();
        w.WriteString("type", "output_text");
        w.WriteString("text", text);
        w.WriteStartArray("annotations");
        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static string? Text(JsonElement element, string property) =>
        element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static long Number(JsonElement element, string property) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(property, out var value) && value.TryGetInt64(out var n) ? n : 0;

    private enum OutputKind
    {
        Message,
        Reasoning,
        FunctionCall,
    }

    private sealed class OutputItem(OutputKind kind, string id, int outputIndex)
    {
        public OutputKind Kind { get; } = kind;
        public string Id { get; } = id;
        public int OutputIndex { get; } = outputIndex;
        public StringBuilder Text { get; } = new();
        public string CallId { get; set; } = "";
        public string? Namespace { get; set; }
        public string Name { get; set; } = "";
        public bool Done { get; set; }
    }
}
