using System.Buffers;
using System.Text;
using System.Text.Json;
using GenAiRouter.Protocols.Canonical;

namespace GenAiRouter.Protocols.Responses;

/// <summary>One Responses streaming event: its type and the JSON of its <c>data:</c> line.</summary>
public sealed record ResponsesEvent(string Type, byte[] Json);

/// <summary>
/// Answer events -> the Responses event sequence a Responses client expects: <c>response.created</c>, items added,
/// text / reasoning-summary / function-argument deltas, items done, and exactly one terminal event
/// (<c>response.completed</c>, <c>response.incomplete</c> or <c>response.failed</c>) carrying the whole response with its
/// usage. Sequence numbers increase by one per event. For a whole answer, the terminal event's response is the answer.
/// </summary>
public sealed class ResponsesAnswerWriter(AnswerContext context) : IAnswerWriter
{
    private readonly List<OutputItem> _items = [];
    private readonly Dictionary<int, OutputItem> _toolsByIndex = [];
    private OutputItem? _message;
    private OutputItem? _reasoning;
    private AnswerUsage? _usage;
    private FinishReason _finish = FinishReason.Stop;
    private long _sequence;
    private string _status = "in_progress";

    public bool Ended { get; private set; }

    /// <summary>Why the response failed, once it has.</summary>
    public Failed? Error { get; private set; }

    public void Start(IBufferWriter<byte> output) => Emit(output, Opening());

    public void Write(AnswerEvent e, IBufferWriter<byte> output) => Emit(output, Events(e));

    public (byte[]? Answer, Failed? Failure) Whole() => Error is { } error ? (null, error) : (ResponseJson(), null);

    /// <summary>The events that open a stream.</summary>
    public IReadOnlyList<ResponsesEvent> Opening() =>
    [
        Event("response.created", w => WriteResponse(w, "in_progress")),
        Event("response.in_progress", w => WriteResponse(w, "in_progress")),
    ];

    /// <summary>The Responses events for one answer event.</summary>
    public IReadOnlyList<ResponsesEvent> Events(AnswerEvent e)
    {
        var events = new List<ResponsesEvent>();
        if (Ended)
        {
            return events;
        }
        switch (e)
        {
            case ReasoningDelta reasoning when reasoning.Text.Length > 0:
                ReasoningText(reasoning.Text, events);
                break;
            case ReasoningSealed sealedReasoning:
                var item = _reasoning is { Done: false } open ? open : OpenReasoning(events);
                item.Encrypted = sealedReasoning.Carried;
                break;
            case TextDelta text when text.Text.Length > 0:
                CloseReasoning(events);
                MessageText(text.Text, events);
                break;
            case ToolCallDelta call:
                CloseReasoning(events);
                CloseMessage(events);
                ToolCall(call, events);
                break;
            case UsageReported usage:
                _usage = usage.Usage;
                break;
            case Finished finished:
                _finish = finished.Reason;
                Finish(events);
                break;
            case Failed failed:
                Fail(failed, events);
                break;
        }
        return events;
    }

    private void Finish(List<ResponsesEvent> events)
    {
        CloseAll(events);
        Ended = true;
        var (type, status) = _finish is FinishReason.Length or FinishReason.ContentFilter
            ? ("response.incomplete", "incomplete")
            : ("response.completed", "completed");
        _status = status;
        events.Add(Event(type, w => WriteResponse(w, status)));
    }

    private void Fail(Failed failed, List<ResponsesEvent> events)
    {
        CloseAll(events);
        Ended = true;
        _status = "failed";
        Error = failed;
        events.Add(Event("response.failed", w => WriteResponse(w, "failed", failed)));
    }

    private byte[] ResponseJson()
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var w = new Utf8JsonWriter(buffer, JsonOutput.Options))
        {
            WriteResponseObject(w, _status, Error);
        }
        return buffer.WrittenSpan.ToArray();
    }

    private OutputItem OpenReasoning(List<ResponsesEvent> events)
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
        return item;
    }

    private void ReasoningText(string text, List<ResponsesEvent> events)
    {
        var reasoning = _reasoning is { Done: false } open ? open : OpenReasoning(events);
        reasoning.Text.Append(text);
        events.Add(Event("response.reasoning_summary_text.delta", w => { ItemRef(w, reasoning); w.WriteNumber("summary_index", 0); w.WriteString("delta", text); }));
    }

    private void MessageText(string text, List<ResponsesEvent> events)
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

    private void ToolCall(ToolCallDelta call, List<ResponsesEvent> events)
    {
        if (!_toolsByIndex.TryGetValue(call.Index, out var item))
        {
            item = Add(OutputKind.FunctionCall, "fc_");
            item.CallId = call.Id is { Length: > 0 } id ? id : $"call_{context.ResponseId}_{call.Index}";
            (item.Namespace, item.Name) = (call.Namespace, call.Name ?? "");
            _toolsByIndex[call.Index] = item;
            var added = item;
            events.Add(Event("response.output_item.added", w => { w.WriteNumber("output_index", added.OutputIndex); WriteItem(w, "item", added); }));
        }
        else if (item.Name.Length == 0 && call.Name is { Length: > 0 } lateName)
        {
            (item.Namespace, item.Name) = (call.Namespace, lateName);
        }
        if (!string.IsNullOrEmpty(call.Arguments))
        {
            item.Text.Append(call.Arguments);
            var target = item;
            var arguments = call.Arguments;
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
        var item = new OutputItem(kind, $"{prefix}{context.ResponseId}_{_items.Count}", _items.Count);
        _items.Add(item);
        return item;
    }

    private void Emit(IBufferWriter<byte> output, IReadOnlyList<ResponsesEvent> events)
    {
        if (!context.Stream)
        {
            return;
        }
        foreach (var e in events)
        {
            JsonOutput.Frame(output, e.Type, e.Json);
        }
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

    private void WriteResponse(Utf8JsonWriter w, string status, Failed? error = null)
    {
        w.WritePropertyName("response");
        WriteResponseObject(w, status, error);
    }

    private void WriteResponseObject(Utf8JsonWriter w, string status, Failed? error)
    {
        w.WriteStartObject();
        w.WriteString("id", context.ResponseId);
        w.WriteString("object", "response");
        w.WriteNumber("created_at", context.CreatedAt);
        w.WriteString("status", status);
        w.WriteString("model", context.Model);
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
            w.WriteString("reason", _finish == FinishReason.Length ? "max_output_tokens" : "content_filter");
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

    /// <summary>Usage in Responses terms, so metering reads it the same whichever target answered.</summary>
    private static void WriteUsage(Utf8JsonWriter w, AnswerUsage usage)
    {
        w.WriteStartObject("usage");
        w.WriteNumber("input_tokens", usage.Input);
        w.WriteStartObject("input_tokens_details");
        w.WriteNumber("cached_tokens", usage.CachedInput);
        w.WriteEndObject();
        w.WriteNumber("output_tokens", usage.Output);
        w.WriteStartObject("output_tokens_details");
        w.WriteNumber("reasoning_tokens", usage.Reasoning);
        w.WriteEndObject();
        w.WriteNumber("total_tokens", usage.Total);
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
                if (item.Done && item.Text.Length > 0)
                {
                    w.WriteStartObject();
                    w.WriteString("type", "summary_text");
                    w.WriteString("text", item.Text.ToString());
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                if (item.Done && item.Encrypted is { } encrypted)
                {
                    w.WriteString("encrypted_content", encrypted);
                }
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
        public string? Encrypted { get; set; }
        public bool Done { get; set; }
    }
}
