using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using FsCheck;
using FsCheck.Fluent;
using GenAiRouter.Contracts.V1;
using GenAiRouter.Protocols;
using GenAiRouter.Protocols.Canonical;
using GenAiRouter.Protocols.Chat;
using GenAiRouter.Protocols.Messages;
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

    private static readonly Target ResponsesTarget = new()
    {
        Name = "responses", Api = Protocol.Responses, Model = "m", BaseUrl = "http://r/v1",
        Capabilities = { Capability.Tools, Capability.Reasoning, Capability.Streaming, Capability.Images },
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

    [Fact]
    public void Random_chat_conversations_translate_for_a_responses_target_and_every_output_follows_its_call()
    {
        // A turn: 0 user text, 1 user parts, 2 assistant text, 3 a round of 1-3 tool calls with their results (content
        // "" or null, reasoning echoed or not, results as strings or parts), 4 a system message.
        var turn = from kind in Gen.Choose(0, 4) from calls in Gen.Choose(1, 3) from text in Text from flag in Gen.Elements(true, false) select (kind, calls, text, flag);

        Prop.ForAll(Gen.ListOf(turn).ToArbitrary(), turns =>
        {
            var messages = new JsonArray();
            var callNumber = 0;
            foreach (var (kind, calls, text, flag) in turns)
            {
                switch (kind)
                {
                    case 0:
                        messages.Add(new JsonObject { ["role"] = "user", ["content"] = text });
                        break;
                    case 1:
                        messages.Add(new JsonObject { ["role"] = "user", ["content"] = new JsonArray(new JsonObject { ["type"] = "text", ["text"] = text }) });
                        break;
                    case 2:
                        messages.Add(new JsonObject { ["role"] = "assistant", ["content"] = text, ["refusal"] = null });
                        break;
                    case 3:
                        var ids = Enumerable.Range(0, calls).Select(_ => $"call_{callNumber++}").ToList();
                        var assistant = new JsonObject
                        {
                            ["role"] = "assistant", ["content"] = flag ? "" : null,
                            ["tool_calls"] = new JsonArray([.. ids.Select(id => (JsonNode)new JsonObject { ["id"] = id, ["type"] = "function", ["function"] = new JsonObject { ["name"] = "bash", ["arguments"] = "{}" } })]),
                        };
                        if (flag)
                        {
                            assistant["reasoning_content"] = text;
                        }
                        messages.Add(assistant);
                        foreach (var id in ids)
                        {
                            messages.Add(new JsonObject { ["role"] = "tool", ["tool_call_id"] = id, ["content"] = flag ? text : new JsonArray(new JsonObject { ["type"] = "text", ["text"] = text }) });
                        }
                        break;
                    default:
                        messages.Add(new JsonObject { ["role"] = flag ? "system" : "developer", ["content"] = text });
                        break;
                }
            }
            var request = new JsonObject
            {
                ["model"] = "g", ["messages"] = messages,
                ["tools"] = new JsonArray(new JsonObject { ["type"] = "function", ["function"] = new JsonObject { ["name"] = "bash", ["parameters"] = new JsonObject { ["type"] = "object" } } }),
            };

            var translated = ResponsesRequestWriter.Write(ChatRequestReader.Read(JsonDocument.Parse(request.ToJsonString()).RootElement), ResponsesTarget);

            var called = new HashSet<string>();
            var outputs = 0;
            foreach (var item in JsonDocument.Parse(translated.Json).RootElement.GetProperty("input").EnumerateArray())
            {
                switch (item.GetProperty("type").GetString())
                {
                    case "function_call":
                        called.Add(item.GetProperty("call_id").GetString()!);
                        break;
                    case "function_call_output" when !called.Contains(item.GetProperty("call_id").GetString()!):
                        return false;
                    case "function_call_output":
                        outputs++;
                        break;
                }
            }
            return outputs == callNumber && called.Count == callNumber;
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void Every_responses_event_stream_becomes_a_well_formed_chat_stream()
    {
        // An output item: 0 a message, 1 reasoning, 2 a function call with streamed arguments, 3 one whose arguments
        // come only with the finished item. Each in 0-3 pieces.
        var item = from kind in Gen.Choose(0, 3) from pieces in Gen.ListOf(Text).Select(p => p.Take(3).ToList()) select (Kind: kind, Pieces: pieces);
        var ending = Gen.Elements("completed", "incomplete", "failed", "error", "cut");

        Prop.ForAll(Gen.ListOf(item).ToArbitrary(), ending.ToArbitrary(), Gen.Elements(true, false).ToArbitrary(), (items, end, streamUsage) =>
        {
            var events = ResponsesStream(items, end);
            var reader = new ResponsesAnswerReader(new ToolNames());
            var writer = new ChatAnswerWriter(new AnswerContext("chatcmpl-test", "coder", 1_790_000_000, Stream: true, StreamUsage: streamUsage));
            var output = new ArrayBufferWriter<byte>();
            writer.Start(output);
            foreach (var e in events)
            {
                writer.WriteAll(reader.OnData(Encoding.UTF8.GetBytes(e)), output);
            }
            writer.WriteAll(reader.OnEnd(), output);

            var expectedText = string.Concat(items.Where(i => i.Kind == 0).SelectMany(i => i.Pieces));
            var expectedArguments = items.Where(i => i.Kind >= 2).Select(i => string.Concat(i.Pieces)).ToList();
            return ChatStreamWellFormed(Encoding.UTF8.GetString(output.WrittenSpan), expectedText, expectedArguments, failed: end is "failed" or "error" or "cut", streamUsage);
        }).QuickCheckThrowOnFailure();
    }

    /// <summary>The Responses events of these output items, one after another, ended as <paramref name="end"/> says.</summary>
    private static List<string> ResponsesStream(List<(int Kind, List<string> Pieces)> items, string end)
    {
        var events = new List<JsonObject> { new() { ["type"] = "response.created", ["response"] = new JsonObject { ["id"] = "resp_1", ["status"] = "in_progress" } } };
        for (var i = 0; i < items.Count; i++)
        {
            var (kind, pieces) = items[i];
            var id = $"item_{i}";
            var arguments = string.Concat(pieces);
            JsonObject Item(bool done) => kind switch
            {
                0 => new JsonObject { ["type"] = "message", ["id"] = id, ["role"] = "assistant", ["content"] = new JsonArray() },
                1 => new JsonObject { ["type"] = "reasoning", ["id"] = id, ["summary"] = new JsonArray(), ["encrypted_content"] = done ? "enc" : null },
                _ => new JsonObject { ["type"] = "function_call", ["id"] = id, ["call_id"] = $"call_{i}", ["name"] = "bash", ["arguments"] = done ? arguments : "" },
            };
            events.Add(new JsonObject { ["type"] = "response.output_item.added", ["output_index"] = i, ["item"] = Item(false) });
            foreach (var piece in kind == 3 ? [] : pieces)
            {
                var type = kind switch { 0 => "response.output_text.delta", 1 => "response.reasoning_summary_text.delta", _ => "response.function_call_arguments.delta" };
                events.Add(new JsonObject { ["type"] = type, ["item_id"] = id, ["output_index"] = i, ["delta"] = piece });
            }
            events.Add(new JsonObject { ["type"] = "response.output_item.done", ["output_index"] = i, ["item"] = Item(true) });
        }
        var usage = new JsonObject { ["input_tokens"] = 5, ["output_tokens"] = 2, ["total_tokens"] = 7 };
        switch (end)
        {
            case "completed" or "incomplete":
                events.Add(new JsonObject { ["type"] = $"response.{end}", ["response"] = new JsonObject { ["id"] = "resp_1", ["status"] = end, ["usage"] = usage } });
                break;
            case "failed":
                events.Add(new JsonObject { ["type"] = "response.failed", ["response"] = new JsonObject { ["status"] = "failed", ["error"] = new JsonObject { ["code"] = "server_error", ["message"] = "boom" } } });
                break;
            case "error":
                events.Add(new JsonObject { ["type"] = "error", ["code"] = "server_error", ["message"] = "boom" });
                break;
        }
        return [.. events.Select((e, n) => { e["sequence_number"] = n; return e.ToJsonString(); })];
    }

    /// <summary>
    /// What a Chat Completions client can rely on: every frame a chunk of one id with one choice (the usage chunk has
    /// none); the role first; each tool call's id, type and name once, on its first delta, with indexes counting up
    /// from 0; the text and each call's arguments whole; then either one finish reason, the usage chunk only if asked,
    /// and [DONE] last, or, for a failed answer, an error frame last and no [DONE].
    /// </summary>
    private static bool ChatStreamWellFormed(string stream, string expectedText, List<string> expectedArguments, bool failed, bool streamUsage)
    {
        var frames = stream.Split("\n\n", StringSplitOptions.RemoveEmptyEntries).ToList();
        if (!frames.All(f => f.StartsWith("data: ", StringComparison.Ordinal)))
        {
            return false;
        }
        var payloads = frames.Select(f => f["data: ".Length..]).ToList();
        if (failed)
        {
            if (payloads.Contains("[DONE]") || !JsonDocument.Parse(payloads[^1]).RootElement.TryGetProperty("error", out _))
            {
                return false;
            }
            payloads.RemoveAt(payloads.Count - 1);
        }
        else if (payloads[^1] != "[DONE]")
        {
            return false;
        }
        else
        {
            payloads.RemoveAt(payloads.Count - 1);
        }
        var chunks = payloads.Select(p => JsonDocument.Parse(p).RootElement).ToList();
        if (chunks.Any(c => c.GetProperty("object").GetString() != "chat.completion.chunk" || c.GetProperty("id").GetString() != "chatcmpl-test"))
        {
            return false;
        }
        var usageChunks = chunks.Where(c => c.GetProperty("choices").GetArrayLength() == 0).ToList();
        if (usageChunks.Count != (streamUsage && !failed ? 1 : 0) || (usageChunks.Count == 1 && chunks[^1].GetProperty("choices").GetArrayLength() != 0))
        {
            return false;
        }
        var deltas = chunks.Where(c => c.GetProperty("choices").GetArrayLength() == 1).Select(c => c.GetProperty("choices")[0]).ToList();
        if (deltas.Count == 0 || deltas[0].GetProperty("delta").GetProperty("role").GetString() != "assistant")
        {
            return false;
        }
        var finishes = deltas.Count(d => d.GetProperty("finish_reason").ValueKind != JsonValueKind.Null);
        if (finishes != (failed ? 0 : 1) || (!failed && deltas[^1].GetProperty("finish_reason").ValueKind == JsonValueKind.Null))
        {
            return false;
        }
        var text = new StringBuilder();
        var arguments = new List<StringBuilder>();
        foreach (var delta in deltas.Select(d => d.GetProperty("delta")))
        {
            if (delta.TryGetProperty("content", out var content))
            {
                text.Append(content.GetString());
            }
            foreach (var call in delta.TryGetProperty("tool_calls", out var calls) ? calls.EnumerateArray() : Enumerable.Empty<JsonElement>())
            {
                var index = call.GetProperty("index").GetInt32();
                var first = index == arguments.Count;
                if (index > arguments.Count || first != call.TryGetProperty("id", out _) || first != call.GetProperty("function").TryGetProperty("name", out _))
                {
                    return false;
                }
                if (first)
                {
                    arguments.Add(new StringBuilder());
                }
                arguments[index].Append(call.GetProperty("function").GetProperty("arguments").GetString());
            }
        }
        return failed || (text.ToString() == expectedText && arguments.Select(a => a.ToString()).SequenceEqual(expectedArguments));
    }

    [Fact]
    public void Every_chat_stream_becomes_a_well_formed_messages_stream()
    {
        // In the order chat servers send them: reasoning, text, then tool-call pieces (parallel calls may interleave).
        var stream =
            from reasoning in Gen.ListOf(Text)
            from text in Gen.ListOf(Text)
            from calls in Gen.ListOf(Gen.Choose(0, 2).Zip(Text))
            from finish in Gen.Elements<string?>("stop", "length", "tool_calls", null)
            select (Reasoning: reasoning, Text: text, Calls: calls, Finish: finish);

        Prop.ForAll(stream.ToArbitrary(), Gen.Elements(true, false).ToArbitrary(), (answer, sawDone) =>
        {
            var chunks = answer.Reasoning.Select(r => Chunk(1, 0, r)).Concat(answer.Text.Select(t => Chunk(0, 0, t))).Concat(answer.Calls.Select(c => Chunk(2, c.Item1, c.Item2))).ToList();
            if (answer.Finish is { } finish)
            {
                chunks.Add($$"""{"choices":[{"index":0,"delta":{},"finish_reason":"{{finish}}"}]}""");
            }
            var reader = new ChatAnswerReader(new ToolNames());
            var writer = new MessagesAnswerWriter(new AnswerContext("msg_test", "coder", 1_790_000_000, Stream: true, StreamUsage: true));
            var output = new ArrayBufferWriter<byte>();
            writer.Start(output);
            foreach (var chunk in chunks)
            {
                writer.WriteAll(reader.OnData(Encoding.UTF8.GetBytes(chunk)), output);
            }
            writer.WriteAll(sawDone ? reader.OnData("[DONE]"u8) : reader.OnEnd(), output);

            var failed = answer.Finish is null && !sawDone;
            var arguments = Enumerable.Range(0, 3).Select(i => string.Concat(answer.Calls.Where(c => c.Item1 == i).Select(c => c.Item2)))
                .Where((_, i) => answer.Calls.Any(c => c.Item1 == i)).ToList();
            return MessagesStreamWellFormed(Encoding.UTF8.GetString(output.WrittenSpan), string.Concat(answer.Text), string.Concat(answer.Reasoning), arguments, failed);
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void Every_responses_event_stream_becomes_a_well_formed_messages_stream()
    {
        var item = from kind in Gen.Choose(0, 3) from pieces in Gen.ListOf(Text).Select(p => p.Take(3).ToList()) select (Kind: kind, Pieces: pieces);
        var ending = Gen.Elements("completed", "incomplete", "failed", "error", "cut");

        Prop.ForAll(Gen.ListOf(item).ToArbitrary(), ending.ToArbitrary(), (items, end) =>
        {
            var reader = new ResponsesAnswerReader(new ToolNames());
            var writer = new MessagesAnswerWriter(new AnswerContext("msg_test", "coder", 1_790_000_000, Stream: true, StreamUsage: true));
            var output = new ArrayBufferWriter<byte>();
            writer.Start(output);
            foreach (var e in ResponsesStream(items, end))
            {
                writer.WriteAll(reader.OnData(Encoding.UTF8.GetBytes(e)), output);
            }
            writer.WriteAll(reader.OnEnd(), output);

            var arguments = items.Where(i => i.Kind >= 2).Select(i => string.Concat(i.Pieces)).ToList();
            return MessagesStreamWellFormed(Encoding.UTF8.GetString(output.WrittenSpan), string.Concat(items.Where(i => i.Kind == 0).SelectMany(i => i.Pieces)),
                string.Concat(items.Where(i => i.Kind == 1).SelectMany(i => i.Pieces)), arguments, failed: end is "failed" or "error" or "cut");
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void Every_messages_stream_becomes_well_formed_responses_and_chat_streams()
    {
        // A content block: 0 text, 1 signed thinking, 2 a tool call, 3 redacted thinking. Each in 0-3 pieces.
        var block = from kind in Gen.Choose(0, 3) from pieces in Gen.ListOf(Text).Select(p => p.Take(3).ToList()) select (Kind: kind, Pieces: pieces);
        var ending = Gen.Elements("end_turn", "tool_use", "max_tokens", "error", "cut", "no_stop");

        Prop.ForAll(Gen.ListOf(block).ToArbitrary(), ending.ToArbitrary(), (blocks, end) =>
        {
            var stream = MessagesStream(blocks, end);
            var failed = end is "error" or "cut";
            var responses = new ResponsesAnswerWriter(new AnswerContext("resp_test", "coder", 1_790_000_000, Stream: true, StreamUsage: false));
            var chat = new ChatAnswerWriter(new AnswerContext("chatcmpl-test", "coder", 1_790_000_000, Stream: true, StreamUsage: true));
            var (responsesOut, chatOut) = (new ArrayBufferWriter<byte>(), new ArrayBufferWriter<byte>());
            responses.Start(responsesOut);
            chat.Start(chatOut);
            var (forResponses, forChat) = (new MessagesAnswerReader(new ToolNames()), new MessagesAnswerReader(new ToolNames()));
            foreach (var e in stream)
            {
                var data = Encoding.UTF8.GetBytes(e);
                responses.WriteAll(forResponses.OnData(data), responsesOut);
                chat.WriteAll(forChat.OnData(data), chatOut);
            }
            responses.WriteAll(forResponses.OnEnd(), responsesOut);
            chat.WriteAll(forChat.OnEnd(), chatOut);

            var responseEvents = Encoding.UTF8.GetString(responsesOut.WrittenSpan).Split("\n\n", StringSplitOptions.RemoveEmptyEntries)
                .Select(f => f.Split('\n')).Select(l => (l[0]["event: ".Length..], JsonDocument.Parse(l[1]["data: ".Length..]).RootElement)).ToList();
            var arguments = blocks.Where(b => b.Kind == 2).Select(b => string.Concat(b.Pieces) is { Length: > 0 } a ? a : "{}").ToList();
            return WellFormed(responseEvents)
                && ChatStreamWellFormed(Encoding.UTF8.GetString(chatOut.WrittenSpan), string.Concat(blocks.Where(b => b.Kind == 0).SelectMany(b => b.Pieces)), arguments, failed, streamUsage: true);
        }).QuickCheckThrowOnFailure();
    }

    /// <summary>The Messages events of these content blocks, one after another, ended as <paramref name="end"/> says.</summary>
    private static List<string> MessagesStream(List<(int Kind, List<string> Pieces)> blocks, string end)
    {
        var events = new List<JsonObject>
        {
            new() { ["type"] = "message_start", ["message"] = new JsonObject { ["id"] = "msg_1", ["role"] = "assistant", ["content"] = new JsonArray(), ["usage"] = new JsonObject { ["input_tokens"] = 5, ["cache_read_input_tokens"] = 2, ["output_tokens"] = 1 } } },
        };
        for (var i = 0; i < blocks.Count; i++)
        {
            var (kind, pieces) = blocks[i];
            events.Add(new JsonObject
            {
                ["type"] = "content_block_start", ["index"] = i,
                ["content_block"] = kind switch
                {
                    0 => new JsonObject { ["type"] = "text", ["text"] = "" },
                    1 => new JsonObject { ["type"] = "thinking", ["thinking"] = "", ["signature"] = "" },
                    2 => new JsonObject { ["type"] = "tool_use", ["id"] = $"toolu_{i}", ["name"] = "bash", ["input"] = new JsonObject() },
                    _ => new JsonObject { ["type"] = "redacted_thinking", ["data"] = "opaque" },
                },
            });
            foreach (var piece in kind == 3 ? [] : pieces)
            {
                events.Add(new JsonObject
                {
                    ["type"] = "content_block_delta", ["index"] = i,
                    ["delta"] = kind switch
                    {
                        0 => new JsonObject { ["type"] = "text_delta", ["text"] = piece },
                        1 => new JsonObject { ["type"] = "thinking_delta", ["thinking"] = piece },
                        _ => new JsonObject { ["type"] = "input_json_delta", ["partial_json"] = piece },
                    },
                });
            }
            if (kind == 1)
            {
                events.Add(new JsonObject { ["type"] = "content_block_delta", ["index"] = i, ["delta"] = new JsonObject { ["type"] = "signature_delta", ["signature"] = "sig" } });
            }
            events.Add(new JsonObject { ["type"] = "content_block_stop", ["index"] = i });
        }
        switch (end)
        {
            case "error":
                events.Add(new JsonObject { ["type"] = "error", ["error"] = new JsonObject { ["type"] = "overloaded_error", ["message"] = "busy" } });
                break;
            case "cut":
                break;
            default:
                events.Add(new JsonObject { ["type"] = "message_delta", ["delta"] = new JsonObject { ["stop_reason"] = end == "no_stop" ? "end_turn" : end }, ["usage"] = new JsonObject { ["output_tokens"] = 7 } });
                if (end != "no_stop")
                {
                    events.Add(new JsonObject { ["type"] = "message_stop" });
                }
                break;
        }
        return [.. events.Select(e => e.ToJsonString())];
    }

    /// <summary>
    /// What a Messages client (Claude Code) relies on: <c>message_start</c> first; blocks one at a time, indexes counting up
    /// from 0, each started, given only deltas of its own kind and stopped once; the text, the thinking and each tool
    /// call's input whole; then <c>message_delta</c> with a stop reason and usage and <c>message_stop</c> last, or, for a
    /// failed answer, an <c>error</c> event last.
    /// </summary>
    private static bool MessagesStreamWellFormed(string stream, string expectedText, string expectedThinking, List<string> expectedInputs, bool failed)
    {
        var events = stream.Split("\n\n", StringSplitOptions.RemoveEmptyEntries).Select(frame =>
        {
            var lines = frame.Split('\n');
            return (Type: lines[0]["event: ".Length..], Json: JsonDocument.Parse(lines[1]["data: ".Length..]).RootElement);
        }).ToList();
        if (events.Count < 2 || events[0].Type != "message_start" || events.Any(e => e.Json.GetProperty("type").GetString() != e.Type))
        {
            return false;
        }
        if (failed ? events[^1].Type != "error" : events[^1].Type != "message_stop" || events[^2].Type != "message_delta"
            || events[^2].Json.GetProperty("delta").GetProperty("stop_reason").ValueKind != JsonValueKind.String
            || !events[^2].Json.GetProperty("usage").TryGetProperty("output_tokens", out _))
        {
            return false;
        }
        var blocks = new List<(string Type, StringBuilder Content)>();
        var open = -1;
        foreach (var (type, json) in events.Skip(1).SkipLast(failed ? 1 : 2))
        {
            switch (type)
            {
                case "content_block_start" when open == -1 && json.GetProperty("index").GetInt32() == blocks.Count:
                    blocks.Add((json.GetProperty("content_block").GetProperty("type").GetString()!, new StringBuilder()));
                    open = blocks.Count - 1;
                    break;
                case "content_block_delta" when json.GetProperty("index").GetInt32() == open:
                    var delta = json.GetProperty("delta");
                    var (kind, field) = blocks[open].Type switch
                    {
                        "text" => ("text_delta", "text"),
                        "thinking" => (delta.GetProperty("type").GetString() == "signature_delta" ? "signature_delta" : "thinking_delta", delta.GetProperty("type").GetString() == "signature_delta" ? "signature" : "thinking"),
                        "tool_use" => ("input_json_delta", "partial_json"),
                        _ => ("none", "none"),
                    };
                    if (delta.GetProperty("type").GetString() != kind)
                    {
                        return false;
                    }
                    if (kind != "signature_delta")
                    {
                        blocks[open].Content.Append(delta.GetProperty(field).GetString());
                    }
                    break;
                case "content_block_stop" when json.GetProperty("index").GetInt32() == open:
                    open = -1;
                    break;
                default:
                    return false;
            }
        }
        if (open != -1 && !failed)
        {
            return false;
        }
        return failed || (string.Concat(blocks.Where(b => b.Type == "text").Select(b => b.Content)) == expectedText
            && string.Concat(blocks.Where(b => b.Type == "thinking").Select(b => b.Content)) == expectedThinking
            && blocks.Where(b => b.Type == "tool_use").Select(b => b.Content.ToString()).Order().SequenceEqual(expectedInputs.Order()));
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
