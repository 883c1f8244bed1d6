using System.Text.Json;
using GenAiRouter.Protocols.Canonical;

namespace GenAiRouter.Protocols.Responses;

/// <summary>
/// A Responses answer as events: its stream (text, reasoning-summary and function-argument deltas, items added and
/// done, the terminal <c>response.completed</c> / <c>incomplete</c> / <c>failed</c>, or an <c>error</c> event) or one
/// whole response object. Encrypted reasoning comes through whole, as <see cref="ReasoningSealed"/>.
/// </summary>
public sealed class ResponsesAnswerReader(ToolNames toolNames) : IAnswerReader
{
    private readonly Dictionary<string, int> _callIndex = new(StringComparer.Ordinal);
    private readonly HashSet<int> _argumentsStreamed = [];
    private bool _ended;

    public IEnumerable<AnswerEvent> OnData(ReadOnlySpan<byte> data)
    {
        if (_ended)
        {
            return [];
        }
        if (JsonRead.ParseObject(data) is not { } e)
        {
            _ended = true;
            return [new Failed("upstream_invalid_response", "The Responses upstream sent something that is not a Responses event.")];
        }
        var events = new List<AnswerEvent>();
        switch (JsonRead.Text(e, "type"))
        {
            case "response.output_text.delta" or "response.refusal.delta":
                events.Add(new TextDelta(JsonRead.Text(e, "delta") ?? ""));
                break;
            case "response.reasoning_summary_text.delta" or "response.reasoning_text.delta":
                events.Add(new ReasoningDelta(JsonRead.Text(e, "delta") ?? ""));
                break;
            case "response.output_item.added" when JsonRead.Property(e, "item") is { } item && JsonRead.Text(item, "type") == "function_call":
                events.Add(Call(item, withArguments: false));
                break;
            case "response.function_call_arguments.delta" when _callIndex.TryGetValue(JsonRead.Text(e, "item_id") ?? "", out var index):
                _argumentsStreamed.Add(index);
                events.Add(new ToolCallDelta(index, null, null, null, JsonRead.Text(e, "delta")));
                break;
            case "response.output_item.done" when JsonRead.Property(e, "item") is { } item:
                Done(item, events);
                break;
            case "response.completed" or "response.incomplete" when JsonRead.Property(e, "response") is { } response:
                _ended = true;
                Ending(response, events);
                break;
            case "response.failed":
                _ended = true;
                var error = JsonRead.Property(e, "response") is { } failedResponse ? JsonRead.Property(failedResponse, "error") : null;
                events.Add(new Failed(error is { } f ? JsonRead.Text(f, "code") ?? "upstream_error" : "upstream_error",
                    error is { } m ? JsonRead.Text(m, "message") ?? "The Responses upstream failed." : "The Responses upstream failed."));
                break;
            case "error":
                _ended = true;
                events.Add(new Failed(JsonRead.Text(e, "code") ?? "upstream_error", JsonRead.Text(e, "message") ?? "The Responses upstream failed."));
                break;
        }
        return events;
    }

    public IEnumerable<AnswerEvent> OnEnd()
    {
        if (_ended)
        {
            return [];
        }
        _ended = true;
        return [new Failed("upstream_incomplete", "The Responses upstream's stream ended before the answer was finished.")];
    }

    public IEnumerable<AnswerEvent> OnWhole(JsonElement answer)
    {
        _ended = true;
        var response = answer;
        var events = new List<AnswerEvent>();
        if (JsonRead.Text(response, "status") == "failed")
        {
            var error = JsonRead.Property(response, "error");
            events.Add(new Failed(error is { } c ? JsonRead.Text(c, "code") ?? "upstream_error" : "upstream_error",
                error is { } m ? JsonRead.Text(m, "message") ?? "The Responses upstream failed." : "The Responses upstream failed."));
            return events;
        }
        foreach (var item in JsonRead.Property(response, "output") is { ValueKind: JsonValueKind.Array } output ? output.EnumerateArray() : Enumerable.Empty<JsonElement>())
        {
            switch (JsonRead.Text(item, "type"))
            {
                case "message":
                    foreach (var part in JsonRead.Property(item, "content") is { ValueKind: JsonValueKind.Array } content ? content.EnumerateArray() : Enumerable.Empty<JsonElement>())
                    {
                        events.Add(new TextDelta(JsonRead.Text(part, "text") ?? JsonRead.Text(part, "refusal") ?? ""));
                    }
                    break;
                case "reasoning":
                    foreach (var summary in JsonRead.Property(item, "summary") is { ValueKind: JsonValueKind.Array } summaries ? summaries.EnumerateArray() : Enumerable.Empty<JsonElement>())
                    {
                        events.Add(new ReasoningDelta(JsonRead.Text(summary, "text") ?? ""));
                    }
                    Done(item, events);
                    break;
                case "function_call":
                    events.Add(Call(item, withArguments: true));
                    break;
            }
        }
        Ending(response, events);
        return events;
    }

    private ToolCallDelta Call(JsonElement item, bool withArguments)
    {
        var index = _callIndex.Count;
        _callIndex[JsonRead.Text(item, "id") ?? $"item_{index}"] = index;
        var (ns, name) = toolNames.Restore(JsonRead.Text(item, "name") ?? "");
        return new ToolCallDelta(index, JsonRead.Text(item, "call_id"), JsonRead.Text(item, "namespace") ?? ns, name, withArguments ? JsonRead.Text(item, "arguments") : null);
    }

    /// <summary>A finished item: reasoning's encrypted content, and a call's arguments when they were not streamed.</summary>
    private void Done(JsonElement item, List<AnswerEvent> events)
    {
        switch (JsonRead.Text(item, "type"))
        {
            case "reasoning" when JsonRead.Text(item, "encrypted_content") is { } encrypted:
                events.Add(new ReasoningSealed(ReasoningCarrier.Pack(Contracts.V1.Protocol.Responses, null, encrypted)));
                break;
            case "function_call" when _callIndex.TryGetValue(JsonRead.Text(item, "id") ?? "", out var index) && !_argumentsStreamed.Contains(index):
                events.Add(new ToolCallDelta(index, null, null, null, JsonRead.Text(item, "arguments")));
                break;
        }
    }

    private void Ending(JsonElement response, List<AnswerEvent> events)
    {
        if (JsonRead.Property(response, "usage") is { ValueKind: JsonValueKind.Object } usage)
        {
            events.Add(new UsageReported(Usage(usage)));
        }
        var incomplete = JsonRead.Text(response, "status") == "incomplete";
        var reason = incomplete
            ? JsonRead.Property(response, "incomplete_details") is { } details && JsonRead.Text(details, "reason") == "content_filter" ? FinishReason.ContentFilter : FinishReason.Length
            : _callIndex.Count > 0 ? FinishReason.ToolCalls : FinishReason.Stop;
        events.Add(new Finished(reason));
    }

    /// <summary>Responses usage in the router's terms.</summary>
    public static AnswerUsage Usage(JsonElement usage) => new(
        JsonRead.Number(usage, "input_tokens"),
        JsonRead.Property(usage, "input_tokens_details") is { } input ? JsonRead.Number(input, "cached_tokens") : 0,
        JsonRead.Number(usage, "output_tokens"),
        JsonRead.Property(usage, "output_tokens_details") is { } output ? JsonRead.Number(output, "reasoning_tokens") : 0);
}
