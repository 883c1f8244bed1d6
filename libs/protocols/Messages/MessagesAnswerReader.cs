using System.Text;
using System.Text.Json;
using GenAiRouter.Contracts.V1;
using GenAiRouter.Protocols.Canonical;

namespace GenAiRouter.Protocols.Messages;

/// <summary>
/// An Anthropic Messages answer as events: its stream (<c>message_start</c> with the input usage, content blocks
/// started, their text / thinking / signature / tool-input deltas and their stop, <c>message_delta</c> with the stop
/// reason and the output usage, <c>message_stop</c>, or an <c>error</c> event) or one whole <c>message</c>. A signed
/// thinking block or a redacted one comes through whole, packed for the caller to carry (<see cref="ReasoningCarrier"/>).
/// Blocks of tools Anthropic runs itself are not the caller's and are skipped; their effect is in the text.
/// </summary>
public sealed class MessagesAnswerReader(ToolNames toolNames) : IAnswerReader
{
    private readonly Dictionary<long, Block> _blocks = [];
    private int _calls;
    private AnswerUsage _usage = new(0, 0, 0, 0);
    private FinishReason? _finish;
    private bool _ended;

    private sealed class Block(string type, int callIndex)
    {
        public string Type { get; } = type;
        public int CallIndex { get; } = callIndex;
        public StringBuilder Thinking { get; } = new();
        public string? Signature { get; set; }
        public string? InitialInput { get; set; }
        public bool InputStreamed { get; set; }
    }

    public IEnumerable<AnswerEvent> OnData(ReadOnlySpan<byte> data)
    {
        if (_ended)
        {
            return [];
        }
        if (JsonRead.ParseObject(data) is not { } e)
        {
            _ended = true;
            return [new Failed("upstream_invalid_response", "The Messages upstream sent something that is not a Messages event.")];
        }
        var events = new List<AnswerEvent>();
        switch (JsonRead.Text(e, "type"))
        {
            case "message_start" when JsonRead.Property(e, "message") is { } message && JsonRead.Property(message, "usage") is { } usage:
                _usage = Usage(usage, _usage);
                break;
            case "content_block_start" when JsonRead.Property(e, "content_block") is { } block:
                Start(JsonRead.Number(e, "index"), block, events);
                break;
            case "content_block_delta" when JsonRead.Property(e, "delta") is { } delta && _blocks.TryGetValue(JsonRead.Number(e, "index"), out var open):
                Delta(open, delta, events);
                break;
            case "content_block_stop" when _blocks.TryGetValue(JsonRead.Number(e, "index"), out var stopped):
                Stop(stopped, events);
                break;
            case "message_delta":
                if (JsonRead.Property(e, "delta") is { } messageDelta && JsonRead.Text(messageDelta, "stop_reason") is { } reason)
                {
                    _finish = Finish(reason);
                }
                if (JsonRead.Property(e, "usage") is { } finalUsage)
                {
                    _usage = Usage(finalUsage, _usage);
                }
                break;
            case "message_stop":
                events.AddRange(End());
                break;
            case "error":
                _ended = true;
                var error = JsonRead.Property(e, "error");
                events.Add(new Failed(error is { } t ? JsonRead.Text(t, "type") ?? "upstream_error" : "upstream_error",
                    error is { } m ? JsonRead.Text(m, "message") ?? "The Messages upstream failed." : "The Messages upstream failed."));
                break;
        }
        return events;
    }

    /// <summary>A stream that said how it stopped is complete even without <c>message_stop</c>.</summary>
    public IEnumerable<AnswerEvent> OnEnd() =>
        _ended ? [] : _finish is not null ? End() : Ended(new Failed("upstream_incomplete", "The Messages upstream's stream ended before the answer was finished."));

    public IEnumerable<AnswerEvent> OnWhole(JsonElement answer)
    {
        _ended = true;
        if (JsonRead.Text(answer, "type") == "error")
        {
            var error = JsonRead.Property(answer, "error");
            return [new Failed(error is { } t ? JsonRead.Text(t, "type") ?? "upstream_error" : "upstream_error",
                error is { } m ? JsonRead.Text(m, "message") ?? "The Messages upstream failed." : "The Messages upstream failed.")];
        }
        var events = new List<AnswerEvent>();
        var index = 0L;
        foreach (var block in JsonRead.Property(answer, "content") is { ValueKind: JsonValueKind.Array } content ? content.EnumerateArray() : Enumerable.Empty<JsonElement>())
        {
            Start(index, block, events);
            Stop(_blocks[index], events);
            index++;
        }
        if (JsonRead.Property(answer, "usage") is { } usage)
        {
            events.Add(new UsageReported(Usage(usage, _usage)));
        }
        events.Add(new Finished(Finish(JsonRead.Text(answer, "stop_reason") ?? "end_turn")));
        return events;
    }

    private List<AnswerEvent> End()
    {
        _ended = true;
        return [new UsageReported(_usage), new Finished(_finish ?? FinishReason.Stop)];
    }

    private List<AnswerEvent> Ended(AnswerEvent e)
    {
        _ended = true;
        return [e];
    }

    private void Start(long index, JsonElement block, List<AnswerEvent> events)
    {
        var type = JsonRead.Text(block, "type") ?? "";
        var state = new Block(type, type == "tool_use" ? _calls++ : -1);
        _blocks[index] = state;
        switch (type)
        {
            case "text" when JsonRead.Text(block, "text") is { Length: > 0 } text:
                events.Add(new TextDelta(text));
                break;
            case "thinking":
                if (JsonRead.Text(block, "thinking") is { Length: > 0 } thinking)
                {
                    state.Thinking.Append(thinking);
                    events.Add(new ReasoningDelta(thinking));
                }
                state.Signature = JsonRead.Text(block, "signature") is { Length: > 0 } signature ? signature : null;
                break;
            case "redacted_thinking" when JsonRead.Text(block, "data") is { Length: > 0 } data:
                events.Add(new ReasoningSealed(ReasoningCarrier.Pack(Protocol.Messages, null, data, redacted: true)));
                break;
            case "tool_use":
                var (ns, name) = toolNames.Restore(JsonRead.Text(block, "name") ?? "");
                events.Add(new ToolCallDelta(state.CallIndex, JsonRead.Text(block, "id"), ns, name, null));
                // A stream starts with an empty input and sends it in pieces; a whole answer has it here.
                if (JsonRead.Property(block, "input") is { ValueKind: JsonValueKind.Object } input && input.EnumerateObject().Any())
                {
                    state.InitialInput = input.GetRawText();
                }
                break;
        }
    }

    private static void Delta(Block block, JsonElement delta, List<AnswerEvent> events)
    {
        switch (JsonRead.Text(delta, "type"))
        {
            case "text_delta" when JsonRead.Text(delta, "text") is { Length: > 0 } text:
                events.Add(new TextDelta(text));
                break;
            case "thinking_delta" when JsonRead.Text(delta, "thinking") is { Length: > 0 } thinking:
                block.Thinking.Append(thinking);
                events.Add(new ReasoningDelta(thinking));
                break;
            case "signature_delta":
                block.Signature = JsonRead.Text(delta, "signature");
                break;
            case "input_json_delta" when block.Type == "tool_use" && JsonRead.Text(delta, "partial_json") is { Length: > 0 } piece:
                block.InputStreamed = true;
                events.Add(new ToolCallDelta(block.CallIndex, null, null, null, piece));
                break;
        }
    }

    private static void Stop(Block block, List<AnswerEvent> events)
    {
        switch (block.Type)
        {
            case "thinking" when block.Signature is { Length: > 0 } signature:
                events.Add(new ReasoningSealed(ReasoningCarrier.Pack(Protocol.Messages, block.Thinking.ToString(), signature)));
                break;
            case "tool_use" when !block.InputStreamed:
                events.Add(new ToolCallDelta(block.CallIndex, null, null, null, block.InitialInput ?? "{}"));
                break;
        }
    }

    private static FinishReason Finish(string reason) => reason switch
    {
        "tool_use" => FinishReason.ToolCalls,
        "max_tokens" or "model_context_window_exceeded" => FinishReason.Length,
        "refusal" => FinishReason.ContentFilter,
        _ => FinishReason.Stop,
    };

    /// <summary>
    /// Messages usage in the router's terms. Anthropic counts input read from and written to its cache apart from
    /// <c>input_tokens</c>; the router's input is all of it. Fields a later event leaves out keep their earlier value.
    /// </summary>
    public static AnswerUsage Usage(JsonElement usage, AnswerUsage earlier)
    {
        long Field(string name, long fallback) => usage.TryGetProperty(name, out var value) && value.TryGetInt64(out var n) ? n : fallback;
        var cacheRead = Field("cache_read_input_tokens", earlier.CachedInput);
        var cacheWrite = Field("cache_creation_input_tokens", earlier.CacheWrite);
        var input = usage.TryGetProperty("input_tokens", out var i) && i.TryGetInt64(out var plain) ? plain + cacheRead + cacheWrite : earlier.Input;
        return new AnswerUsage(input, cacheRead, Field("output_tokens", earlier.Output), 0, cacheWrite);
    }
}
