using System.Text.Json;
using System.Text.Json.Nodes;
using FsCheck;
using FsCheck.Fluent;
using GenAiRouter.Contracts.V1;
using GenAiRouter.Protocols.Canonical;
using GenAiRouter.Protocols.Chat;
using GenAiRouter.Protocols.Responses;

namespace GenAiRouter.Protocols.Tests;

/// <summary>Properties over random inputs: translation never throws on valid input, ids stay paired, streams are well-formed.</summary>
public sealed class TranslationPropertyTests
{
    private static readonly Target ChatTarget = new()
    {
        Name = "chat", Api = Protocol.Chat, Model = "m", BaseUrl = "http://c/v1",
        ResponsesToChat = new ResponsesToChat { Streaming = true, Reasoning = true, DropHostedTools = true },
        Reasoning = new TargetReasoning { Param = "reasoning_effort" },
    };

    [Fact]
    public void Random_valid_conversations_translate_and_every_tool_result_follows_its_call()
    {
        var turn = Gen.OneOf(
            Text.Select(t => (JsonNode)new JsonObject { ["type"] = "message", ["role"] = "user", ["content"] = t }),
            Text.Select(t => (JsonNode)new JsonObject { ["type"] = "message", ["role"] = "assistant", ["content"] = new JsonArray(new JsonObject { ["type"] = "output_text", ["text"] = t }) }),
            Text.Select(t => (JsonNode)new JsonObject { ["type"] = "reasoning", ["encrypted_content"] = t, ["summary"] = new JsonArray() }),
            Gen.Choose(1, 3).Select(n => (JsonNode)new JsonObject { ["type"] = "tool_round", ["calls"] = n }));

        Prop.ForAll(Gen.ListOf(turn).ToArbitrary(), turns =>
        {
            var input = new JsonArray();
            var callNumber = 0;
            foreach (var item in turns)
            {
                if (item!["type"]!.GetValue<string>() != "tool_round")
                {
                    input.Add(item.DeepClone());
                    continue;
                }
                var ids = Enumerable.Range(0, item["calls"]!.GetValue<int>()).Select(_ => $"call_{callNumber++}").ToList();
                foreach (var id in ids)
                {
                    input.Add(new JsonObject { ["type"] = "function_call", ["call_id"] = id, ["name"] = "exec_command", ["arguments"] = "{}" });
                }
                foreach (var id in ids)
                {
                    input.Add(new JsonObject { ["type"] = "function_call_output", ["call_id"] = id, ["output"] = "ok" });
                }
            }
            var request = new JsonObject { ["model"] = "g", ["input"] = input, ["tools"] = new JsonArray(new JsonObject { ["type"] = "function", ["name"] = "exec_command" }) };

            var chat = ChatRequestWriter.Write(ResponsesRequestReader.Read(JsonDocument.Parse(request.ToJsonString()).RootElement), ChatTarget);

            var seen = new HashSet<string>();
            var calls = 0;
            foreach (var message in JsonDocument.Parse(chat.Json).RootElement.GetProperty("messages").EnumerateArray())
            {
                if (message.TryGetProperty("tool_calls", out var toolCalls))
                {
                    foreach (var call in toolCalls.EnumerateArray())
                    {
                        seen.Add(call.GetProperty("id").GetString()!);
                        calls++;
                    }
                }
                if (message.GetProperty("role").GetString() == "tool" && !seen.Contains(message.GetProperty("tool_call_id").GetString()!))
                {
                    return false;
                }
            }
            return calls == callNumber;
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void Every_streamed_event_sequence_is_well_formed()
    {
        // A chunk: 0 text, 1 reasoning, 2 a tool-call piece (for one of three parallel calls), 3 an error.
        var chunk =
            from kind in Gen.Frequency((6, Gen.Choose(0, 2)), (1, Gen.Constant(3)))
            from index in Gen.Choose(0, 2)
            from text in Text
            select (Kind: kind, Index: index, Text: text);
        var ending =
            from finish in Gen.Elements<string?>("stop", "length", "tool_calls", "content_filter", null)
            from sawDone in Gen.Elements(true, false)
            select (Finish: finish, SawDone: sawDone);

        Prop.ForAll(Gen.ListOf(chunk).ToArbitrary(), ending.ToArbitrary(), (chunks, end) =>
        {
            var stream = chunks.Select(c => Chunk(c.Kind, c.Index, c.Text)).ToList();
            if (end.Finish is { } finish)
            {
                stream.Add($$"""{"choices":[{"index":0,"delta":{},"finish_reason":"{{finish}}"}]}""");
            }
            var events = ChatToResponsesAnswerTests.Events(end.SawDone, new ToolNames(), stream);
            return WellFormed(events.Select(e => (e.Type, JsonDocument.Parse(e.Json).RootElement)).ToList());
        }).QuickCheckThrowOnFailure();
    }

    private static Gen<string> Text => Gen.Elements("a", "ls -la", "é ✓ \"quoted\"", "{\"x\":", "line\nbreak", "");

    private static string Chunk(int kind, int index, string text)
    {
        var value = JsonSerializer.Serialize(text);
        return kind switch
        {
            0 => $$$"""{"choices":[{"index":0,"delta":{"content":{{{value}}}}}]}""",
            1 => $$$"""{"choices":[{"index":0,"delta":{"reasoning_content":{{{value}}}}}]}""",
            2 => $$$"""{"choices":[{"index":0,"delta":{"tool_calls":[{"index":{{{index}}},"id":"call_{{{index}}}","function":{"name":"f{{{index}}}","arguments":{{{value}}}}}]}}]}""",
            _ => """{"error":{"message":"boom"}}""",
        };
    }

    private static bool WellFormed(List<(string Type, JsonElement Json)> events)
    {
        var terminal = events.FindIndex(e => e.Type is "response.completed" or "response.incomplete" or "response.failed");
        var ordered = events.Select((e, i) => e.Json.GetProperty("sequence_number").GetInt32() == i).All(ok => ok);
        var added = events.Where(e => e.Type == "response.output_item.added").Select(e => e.Json.GetProperty("output_index").GetInt32()).ToList();
        var done = events.Where(e => e.Type == "response.output_item.done").Select(e => e.Json.GetProperty("output_index").GetInt32()).ToList();
        var addedBeforeDone = added.All(i => events.FindIndex(e => e.Type == "response.output_item.added" && e.Json.GetProperty("output_index").GetInt32() == i)
            < events.FindIndex(e => e.Type == "response.output_item.done" && e.Json.GetProperty("output_index").GetInt32() == i));
        return ordered
            && terminal == events.Count - 1
            && events.Count(e => e.Type is "response.completed" or "response.incomplete" or "response.failed") == 1
            && added.Order().SequenceEqual(done.Order())
            && added.Distinct().Count() == added.Count
            && addedBeforeDone;
    }
}
