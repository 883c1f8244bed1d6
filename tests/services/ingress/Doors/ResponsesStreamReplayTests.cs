using System.Text;
using System.Text.Json;
using GenAiRouter.Ingress.Doors.Responses;

namespace GenAiRouter.Ingress.Tests.Doors;

/// <summary>A cached response replayed as the event stream a streaming Responses client expects.</summary>
public sealed class ResponsesStreamReplayTests
{
    private const string Cached = """
        {"id":"resp_9","object":"response","created_at":1764000000,"status":"completed","model":"m",
         "output":[
           {"type":"reasoning","id":"rs_1","summary":[{"type":"summary_text","text":"thought"}]},
           {"type":"message","id":"msg_1","role":"assistant","status":"completed","content":[
             {"type":"output_text","text":"Hello, \"world\"\nline two","annotations":[]},
             {"type":"refusal","refusal":"not that"}]}],
         "usage":{"input_tokens":5,"output_tokens":7}}
        """;

    [Fact]
    public void The_replay_is_a_well_formed_event_stream_ending_with_the_cached_response()
    {
        var events = Parse(ResponsesStreamReplay.ToSse(Encoding.UTF8.GetBytes(Cached)));

        Assert.Equal(
        [
            "response.created", "response.in_progress",
            "response.output_item.added", "response.output_item.done",
            "response.output_item.added",
            "response.content_part.added", "response.output_text.delta", "response.output_text.done", "response.content_part.done",
            "response.content_part.added", "response.refusal.delta", "response.refusal.done", "response.content_part.done",
            "response.output_item.done",
            "response.completed",
        ], events.Select(e => e.Event));
        Assert.All(events, e => Assert.Equal(e.Event, e.Data.GetProperty("type").GetString()));
        Assert.Equal(Enumerable.Range(0, events.Count), events.Select(e => e.Data.GetProperty("sequence_number").GetInt32()));

        var created = events[0].Data.GetProperty("response");
        Assert.Equal(("resp_9", "in_progress", 0), (created.GetProperty("id").GetString(), created.GetProperty("status").GetString(), created.GetProperty("output").GetArrayLength()));
        var delta = events.Single(e => e.Event == "response.output_text.delta").Data;
        Assert.Equal(("msg_1", 1, 0, "Hello, \"world\"\nline two"),
            (delta.GetProperty("item_id").GetString(), delta.GetProperty("output_index").GetInt32(), delta.GetProperty("content_index").GetInt32(), delta.GetProperty("delta").GetString()));
        var added = events[4].Data.GetProperty("item");
        Assert.Equal(("in_progress", 0), (added.GetProperty("status").GetString(), added.GetProperty("content").GetArrayLength()));

        var completed = events[^1].Data.GetProperty("response");
        Assert.True(JsonElement.DeepEquals(JsonDocument.Parse(Cached).RootElement, completed));
    }

    [Fact]
    public void A_response_without_output_replays_as_created_and_completed()
    {
        var events = Parse(ResponsesStreamReplay.ToSse("""{"id":"r","status":"completed","output":[]}"""u8));

        Assert.Equal(["response.created", "response.in_progress", "response.completed"], events.Select(e => e.Event));
    }

    private static List<(string Event, JsonElement Data)> Parse(byte[] sse)
    {
        var text = Encoding.UTF8.GetString(sse);
        Assert.EndsWith("\n\n", text, StringComparison.Ordinal);
        return text.Split("\n\n", StringSplitOptions.RemoveEmptyEntries).Select(frame =>
        {
            var lines = frame.Split('\n');
            Assert.Equal(2, lines.Length);
            Assert.StartsWith("event: ", lines[0], StringComparison.Ordinal);
            Assert.StartsWith("data: ", lines[1], StringComparison.Ordinal);
            return (lines[0]["event: ".Length..], JsonDocument.Parse(lines[1]["data: ".Length..]).RootElement.Clone());
        }).ToList();
    }
}
