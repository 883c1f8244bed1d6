using System.Text.Json;
using GenAiRouter.Protocols.Canonical;

namespace GenAiRouter.Protocols.Chat;

/// <summary>
/// A Chat Completions answer as events: <c>chat.completion.chunk</c>s (text, <c>reasoning_content</c>, tool calls whose
/// arguments arrive in pieces, <c>finish_reason</c>, the usage chunk, <c>[DONE]</c>) or one <c>chat.completion</c>.
/// Flattened tool names are mapped back to the caller's. A stream that ends before its finish is a failure.
/// </summary>
public sealed class ChatAnswerReader(ToolNames toolNames) : IAnswerReader
{
    private FinishReason? _finish;
    private bool _ended;

    public IEnumerable<AnswerEvent> OnData(ReadOnlySpan<byte> data)
    {
        if (_ended)
        {
            return [];
        }
        if (data.SequenceEqual("[DONE]"u8))
        {
            return End(sawDone: true);
        }
        if (JsonRead.ParseObject(data) is not { } chunk)
        {
            _ended = true;
            return [new Failed("upstream_invalid_response", "The chat upstream sent something that is not a chat completion chunk.")];
        }
        if (JsonRead.Property(chunk, "error") is { ValueKind: JsonValueKind.Object } error)
        {
            _ended = true;
            return [new Failed("upstream_error", JsonRead.Text(error, "message") ?? "The chat upstream failed.")];
        }
        var events = new List<AnswerEvent>();
        if (chunk.TryGetProperty("choices", out var choices) && choices.ValueKind == JsonValueKind.Array && choices.GetArrayLength() > 0)
        {
            var choice = choices[0];
            if (JsonRead.Property(choice, "delta") is { ValueKind: JsonValueKind.Object } delta)
            {
                Read(delta, events, numberedCalls: false);
            }
            if (JsonRead.Text(choice, "finish_reason") is { } finish)
            {
                _finish = Finish(finish);
            }
        }
        if (JsonRead.Property(chunk, "usage") is { ValueKind: JsonValueKind.Object } usage)
        {
            events.Add(new UsageReported(Usage(usage)));
        }
        return events;
    }

    public IEnumerable<AnswerEvent> OnEnd() => End(sawDone: false);

    public IEnumerable<AnswerEvent> OnWhole(JsonElement answer)
    {
        _ended = true;
        var events = new List<AnswerEvent>();
        var completion = answer;
        if (JsonRead.Property(completion, "usage") is { ValueKind: JsonValueKind.Object } usage)
        {
            events.Add(new UsageReported(Usage(usage)));
        }
        if (!completion.TryGetProperty("choices", out var choices) || choices.ValueKind != JsonValueKind.Array || choices.GetArrayLength() == 0)
        {
            events.Add(new Failed("upstream_error", "The chat upstream answered without a choice."));
            return events;
        }
        var choice = choices[0];
        if (JsonRead.Property(choice, "message") is { ValueKind: JsonValueKind.Object } message)
        {
            // A whole message lists its calls without stream indexes: they take the positions they have.
            Read(message, events, numberedCalls: true);
        }
        events.Add(new Finished(Finish(JsonRead.Text(choice, "finish_reason") ?? "stop")));
        return events;
    }

    private IEnumerable<AnswerEvent> End(bool sawDone)
    {
        if (_ended)
        {
            return [];
        }
        _ended = true;
        return _finish is null && !sawDone
            ? [new Failed("upstream_incomplete", "The chat upstream's stream ended before the answer was finished.")]
            : [new Finished(_finish ?? FinishReason.Stop)];
    }

    private void Read(JsonElement message, List<AnswerEvent> events, bool numberedCalls)
    {
        if ((JsonRead.Text(message, "reasoning_content") ?? JsonRead.Text(message, "reasoning")) is { Length: > 0 } reasoning)
        {
            events.Add(new ReasoningDelta(reasoning));
        }
        if (JsonRead.Text(message, "content") is { Length: > 0 } content)
        {
            events.Add(new TextDelta(content));
        }
        if (JsonRead.Property(message, "tool_calls") is not { ValueKind: JsonValueKind.Array } calls)
        {
            return;
        }
        var position = 0;
        foreach (var call in calls.EnumerateArray())
        {
            var index = numberedCalls ? position : call.TryGetProperty("index", out var i) && i.TryGetInt32(out var n) ? n : 0;
            position++;
            var function = JsonRead.Property(call, "function") ?? default;
            var name = JsonRead.Text(function, "name") is { Length: > 0 } flat ? toolNames.Restore(flat) : ((string?)null, (string?)null);
            events.Add(new ToolCallDelta(index, JsonRead.Text(call, "id"), name.Item1, name.Item2, JsonRead.Text(function, "arguments")));
        }
    }

    private static FinishReason Finish(string reason) => reason switch
    {
        "length" => FinishReason.Length,
        "content_filter" => FinishReason.ContentFilter,
        "tool_calls" or "function_call" => FinishReason.ToolCalls,
        _ => FinishReason.Stop,
    };

    /// <summary>Chat usage in the router's terms.</summary>
    public static AnswerUsage Usage(JsonElement usage) => new(
        JsonRead.Number(usage, "prompt_tokens"),
        JsonRead.Property(usage, "prompt_tokens_details") is { } prompt ? JsonRead.Number(prompt, "cached_tokens") : 0,
        JsonRead.Number(usage, "completion_tokens"),
        JsonRead.Property(usage, "completion_tokens_details") is { } completion ? JsonRead.Number(completion, "reasoning_tokens") : 0);
}
