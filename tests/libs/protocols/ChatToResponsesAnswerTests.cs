using System.Text;
using System.Text.Json;
using GenAiRouter.Protocols;
using GenAiRouter.Protocols.Canonical;
using GenAiRouter.Protocols.Chat;
using GenAiRouter.Protocols.Responses;

namespace GenAiRouter.Protocols.Tests;

/// <summary>Chat chunks in (the chat adapter's reader), the Responses event sequence out (the Responses adapter's writer).</summary>
public sealed class ChatToResponsesAnswerTests
{
    [Fact]
    public void A_streamed_text_answer_becomes_the_responses_event_sequence_with_usage()
    {
        var events = Run(
            """{"choices":[{"index":0,"delta":{"role":"assistant","content":""}}]}""",
            """{"choices":[{"index":0,"delta":{"content":"Hello, "}}]}""",
            """{"choices":[{"index":0,"delta":{"content":"world"}}]}""",
            """{"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}""",
            """{"choices":[],"usage":{"prompt_tokens":11,"completion_tokens":3,"total_tokens":14,"prompt_tokens_details":{"cached_tokens":8},"completion_tokens_details":{"reasoning_tokens":1}}}""");

        Assert.Equal(
        [
            "response.created", "response.in_progress", "response.output_item.added", "response.content_part.added",
            "response.output_text.delta", "response.output_text.delta", "response.output_text.done", "response.content_part.done",
            "response.output_item.done", "response.completed",
        ], events.Select(e => e.Type));
        Assert.Equal(Enumerable.Range(0, events.Count), events.Select(e => e.Json.GetProperty("sequence_number").GetInt32()));
        var response = events[^1].Json.GetProperty("response");
        Assert.Equal("completed", response.GetProperty("status").GetString());
        Assert.Equal("Hello, world", response.GetProperty("output")[0].GetProperty("content")[0].GetProperty("text").GetString());
        var usage = response.GetProperty("usage");
        Assert.Equal((11, 8, 3, 1, 14), (
            usage.GetProperty("input_tokens").GetInt32(), usage.GetProperty("input_tokens_details").GetProperty("cached_tokens").GetInt32(),
            usage.GetProperty("output_tokens").GetInt32(), usage.GetProperty("output_tokens_details").GetProperty("reasoning_tokens").GetInt32(),
            usage.GetProperty("total_tokens").GetInt32()));
    }

    [Fact]
    public void Parallel_tool_calls_interleaved_by_index_become_separate_function_call_items()
    {
        var names = new ToolNames();
        var flattened = names.Flatten("multi_agent_v1", "spawn_agent");
        var events = Run(names,
            """{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_a","type":"function","function":{"name":"exec_command","arguments":""}}]}}]}""",
            """{"choices":[{"index":0,"delta":{"tool_calls":[{"index":1,"id":"call_b","type":"function","function":{"name":"FLAT","arguments":"{\"ta"}}]}}]}""".Replace("FLAT", flattened, StringComparison.Ordinal),
            """{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"cmd\":"}}]}}]}""",
            """{"choices":[{"index":0,"delta":{"tool_calls":[{"index":1,"function":{"arguments":"sk\":1}"}}]}}]}""",
            """{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"\"ls\"}"}}]}}]}""",
            """{"choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}""");

        var calls = events[^1].Json.GetProperty("response").GetProperty("output").EnumerateArray().ToList();
        Assert.Equal(2, calls.Count);
        Assert.Equal(("call_a", "exec_command", "{\"cmd\":\"ls\"}"), Call(calls[0]));
        Assert.Equal(("call_b", "spawn_agent", "{\"task\":1}"), Call(calls[1]));
        Assert.Equal("multi_agent_v1", calls[1].GetProperty("namespace").GetString());
        Assert.False(calls[0].TryGetProperty("namespace", out _));
        Assert.Equal(2, events.Count(e => e.Type == "response.function_call_arguments.done"));
    }

    [Fact]
    public void Reasoning_deltas_become_a_reasoning_item_with_summary_text_before_the_message()
    {
        var events = Run(
            """{"choices":[{"index":0,"delta":{"reasoning_content":"Think "}}]}""",
            """{"choices":[{"index":0,"delta":{"reasoning_content":"hard."}}]}""",
            """{"choices":[{"index":0,"delta":{"content":"42"}}]}""",
            """{"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}""");

        var output = events[^1].Json.GetProperty("response").GetProperty("output");
        Assert.Equal("reasoning", output[0].GetProperty("type").GetString());
        Assert.Equal("Think hard.", output[0].GetProperty("summary")[0].GetProperty("text").GetString());
        Assert.Equal("42", output[1].GetProperty("content")[0].GetProperty("text").GetString());
        Assert.Equal(2, events.Count(e => e.Type == "response.reasoning_summary_text.delta"));
        Assert.True(events.FindIndex(e => e.Type == "response.reasoning_summary_text.done") < events.FindIndex(e => e.Type == "response.output_text.delta"));
    }

    [Fact]
    public void A_length_finish_is_an_incomplete_response()
    {
        var events = Run(
            """{"choices":[{"index":0,"delta":{"content":"trunc"}}]}""",
            """{"choices":[{"index":0,"delta":{},"finish_reason":"length"}]}""");

        Assert.Equal("response.incomplete", events[^1].Type);
        Assert.Equal("max_output_tokens", events[^1].Json.GetProperty("response").GetProperty("incomplete_details").GetProperty("reason").GetString());
    }

    [Fact]
    public void A_stream_that_ends_without_done_completes_if_it_finished_and_fails_if_it_did_not()
    {
        var finished = Run(sawDone: false, new ToolNames(), """{"choices":[{"index":0,"delta":{"content":"ok"},"finish_reason":"stop"}]}""");
        var cut = Run(sawDone: false, new ToolNames(), """{"choices":[{"index":0,"delta":{"content":"o"}}]}""");

        Assert.Equal("response.completed", finished[^1].Type);
        Assert.Equal("response.failed", cut[^1].Type);
        Assert.Equal("upstream_incomplete", cut[^1].Json.GetProperty("response").GetProperty("error").GetProperty("code").GetString());
        Assert.Equal("response.output_item.done", cut[^2].Type);
    }

    [Fact]
    public void An_error_chunk_fails_the_response_and_nothing_follows()
    {
        var parsed = Run(
            """{"error":{"message":"model overloaded","type":"server_error"}}""",
            """{"choices":[{"index":0,"delta":{"content":"late"}}]}""");

        Assert.Equal("response.failed", parsed[^1].Type);
        Assert.Equal("model overloaded", parsed[^1].Json.GetProperty("response").GetProperty("error").GetProperty("message").GetString());
        Assert.Single(parsed, e => e.Type.StartsWith("response.failed", StringComparison.Ordinal));
    }

    [Fact]
    public void A_whole_completion_with_tool_calls_becomes_function_call_items()
    {
        var writer = NewWriter();
        var events = writer.Opening().Concat(new ChatAnswerReader(new ToolNames()).OnWhole(Json("""
            {"choices":[{"index":0,"finish_reason":"tool_calls","message":{"role":"assistant","content":null,
              "tool_calls":[{"id":"c1","type":"function","function":{"name":"a","arguments":"{}"}},{"id":"c2","type":"function","function":{"name":"b","arguments":"{\"x\":1}"}}]}}],
             "usage":{"prompt_tokens":5,"completion_tokens":2,"total_tokens":7}}
            """)).SelectMany(writer.Events)).Select(Parse).ToList();

        var output = events[^1].Json.GetProperty("response").GetProperty("output").EnumerateArray().Select(Call).ToList();
        Assert.Equal([("c1", "a", "{}"), ("c2", "b", "{\"x\":1}")], output);
        Assert.Equal(7, events[^1].Json.GetProperty("response").GetProperty("usage").GetProperty("total_tokens").GetInt32());
    }

    internal static List<(string Type, JsonElement Json)> Run(params string[] chunks) => Run(new ToolNames(), chunks);

    internal static List<(string Type, JsonElement Json)> Run(ToolNames names, params string[] chunks) => Run(sawDone: true, names, chunks);

    internal static List<(string Type, JsonElement Json)> Run(bool sawDone, ToolNames names, params string[] chunks) =>
        Events(sawDone, names, chunks).Select(Parse).ToList();

    /// <summary>The Responses events a caller gets for these chat chunks, ended by [DONE] or by the stream's end.</summary>
    internal static List<ResponsesEvent> Events(bool sawDone, ToolNames names, IEnumerable<string> chunks)
    {
        var reader = new ChatAnswerReader(names);
        var writer = NewWriter();
        var events = writer.Opening().ToList();
        foreach (var chunk in chunks)
        {
            events.AddRange(reader.OnData(Encoding.UTF8.GetBytes(chunk)).SelectMany(writer.Events));
        }
        events.AddRange((sawDone ? reader.OnData("[DONE]"u8) : reader.OnEnd()).SelectMany(writer.Events));
        return events;
    }

    internal static ResponsesAnswerWriter NewWriter() => new(new AnswerContext("resp_test", "chat-coder", 1_790_000_000, Stream: true, StreamUsage: false));

    private static (string CallId, string Name, string Arguments) Call(JsonElement item) =>
        (item.GetProperty("call_id").GetString()!, item.GetProperty("name").GetString()!, item.GetProperty("arguments").GetString()!);

    private static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement;

    private static (string Type, JsonElement Json) Parse(ResponsesEvent e) => (e.Type, JsonDocument.Parse(e.Json).RootElement);
}
