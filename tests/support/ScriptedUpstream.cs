using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;

namespace GenAiRouter.TestSupport;

/// <summary>
/// A real OpenAI-compatible upstream on loopback that answers <c>POST /v1/responses</c> with whatever the test
/// scripts, and records what it received.
/// </summary>
public sealed class ScriptedUpstream : IAsyncDisposable
{
    private readonly WebApplication _app;

    private ScriptedUpstream(WebApplication app) => _app = app;

    public Uri BaseUrl => new(new Uri(_app.Urls.Single()), "/v1");

    /// <summary>What the next requests get; by default a short streamed or JSON text reply, as asked.</summary>
    public Func<HttpContext, JsonElement, Task> Reply { get; set; } = (http, request) =>
        request.TryGetProperty("stream", out var stream) && stream.ValueKind == JsonValueKind.True
            ? WriteEventsAsync(http, TextEvents("router codex ok"))
            : WriteJsonAsync(http, 200, CompletedResponse("router codex ok"));

    /// <summary>What <c>POST /v1/chat/completions</c> answers, for a Chat-only upstream; by default a streamed text reply.</summary>
    public Func<HttpContext, JsonElement, Task> ChatReply { get; set; } = (http, request) =>
        request.TryGetProperty("stream", out var stream) && stream.ValueKind == JsonValueKind.True
            ? WriteChatChunksAsync(http, ChatTextChunks("router codex ok"))
            : WriteJsonAsync(http, 200, ChatCompletion("router codex ok"));

    /// <summary>What <c>POST /v1/messages</c> answers, for an Anthropic Messages upstream; by default a text reply, as asked.</summary>
    public Func<HttpContext, JsonElement, Task> MessagesReply { get; set; } = (http, request) =>
        request.TryGetProperty("stream", out var stream) && stream.ValueKind == JsonValueKind.True
            ? WriteEventsAsync(http, MessagesTextEvents("router claude ok"))
            : WriteJsonAsync(http, 200, MessagesMessage("router claude ok"));

    /// <summary>What <c>POST /v1/messages/count_tokens</c> answers.</summary>
    public Func<HttpContext, JsonElement, Task> CountTokensReply { get; set; } = (http, _) => WriteJsonAsync(http, 200, new { input_tokens = 42 });

    public ConcurrentQueue<ReceivedRequest> Received { get; } = new();

    public static async Task<ScriptedUpstream> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, o => o.Protocols = HttpProtocols.Http1AndHttp2));
        var app = builder.Build();
        var upstream = new ScriptedUpstream(app);
        // Both endpoints record what they received, then answer as the test scripted.
        app.MapPost("/v1/responses", (HttpContext http) => upstream.AnswerAsync(http, upstream.Reply));
        app.MapPost("/v1/chat/completions", (HttpContext http) => upstream.AnswerAsync(http, upstream.ChatReply));
        app.MapPost("/v1/messages", (HttpContext http) => upstream.AnswerAsync(http, upstream.MessagesReply));
        app.MapPost("/v1/messages/count_tokens", (HttpContext http) => upstream.AnswerAsync(http, upstream.CountTokensReply));
        await app.StartAsync();
        return upstream;
    }

    private async Task AnswerAsync(HttpContext http, Func<HttpContext, JsonElement, Task> reply)
    {
        using var reader = new StreamReader(http.Request.Body, Encoding.UTF8);
        var body = await reader.ReadToEndAsync();
        using var json = JsonDocument.Parse(body);
        Received.Enqueue(new ReceivedRequest(body, http.Request.Headers.Authorization.ToString())
        {
            Path = http.Request.Path,
            Headers = http.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase),
        });
        await reply(http, json.RootElement.Clone());
    }

    /// <summary>Writes events as SSE, flushing each; may be called again to continue the same stream.</summary>
    public static async Task WriteEventsAsync(HttpContext http, IEnumerable<object> events, TimeSpan? between = null)
    {
        if (!http.Response.HasStarted)
        {
            http.Response.ContentType = "text/event-stream";
        }
        foreach (var e in events)
        {
            var json = JsonSerializer.Serialize(e);
            var type = JsonDocument.Parse(json).RootElement.GetProperty("type").GetString();
            await http.Response.WriteAsync($"event: {type}\ndata: {json}\n\n", http.RequestAborted);
            await http.Response.Body.FlushAsync(http.RequestAborted);
            if (between is { } delay)
            {
                await Task.Delay(delay, http.RequestAborted);
            }
        }
    }

    /// <summary>Writes chat chunks as a chat server streams them, then <c>data: [DONE]</c> unless told not to.</summary>
    public static async Task WriteChatChunksAsync(HttpContext http, IEnumerable<object> chunks, bool done = true)
    {
        http.Response.ContentType = "text/event-stream";
        foreach (var chunk in chunks)
        {
            await http.Response.WriteAsync($"data: {JsonSerializer.Serialize(chunk)}\n\n", http.RequestAborted);
            await http.Response.Body.FlushAsync(http.RequestAborted);
        }
        if (done)
        {
            await http.Response.WriteAsync("data: [DONE]\n\n", http.RequestAborted);
        }
    }

    public static object ChatChunk(object delta, string? finishReason = null) =>
        new { id = "chatcmpl-1", @object = "chat.completion.chunk", created = 1, model = "upstream-chat", choices = new[] { new { index = 0, delta, finish_reason = finishReason } } };

    public static object ChatUsageChunk(long prompt, long completion) =>
        new { id = "chatcmpl-1", @object = "chat.completion.chunk", created = 1, model = "upstream-chat", choices = Array.Empty<object>(), usage = new { prompt_tokens = prompt, completion_tokens = completion, total_tokens = prompt + completion } };

    /// <summary>A text answer in a few pieces, with usage at the end (as servers do when asked with include_usage).</summary>
    public static IReadOnlyList<object> ChatTextChunks(string text) =>
    [
        ChatChunk(new { role = "assistant", content = "" }),
        ChatChunk(new { content = text[..(text.Length / 2)] }),
        ChatChunk(new { content = text[(text.Length / 2)..] }),
        ChatChunk(new { }, "stop"),
        ChatUsageChunk(12, 4),
    ];

    /// <summary>One tool call whose arguments arrive in pieces, as real servers stream them.</summary>
    public static IReadOnlyList<object> ChatToolCallChunks(string name, string arguments, string id = "call_chat_1")
    {
        var half = arguments.Length / 2;
        return
        [
            ChatChunk(new { role = "assistant", content = (string?)null, tool_calls = new[] { new { index = 0, id, type = "function", function = new { name, arguments = "" } } } }),
            ChatChunk(new { tool_calls = new[] { new { index = 0, function = new { arguments = arguments[..half] } } } }),
            ChatChunk(new { tool_calls = new[] { new { index = 0, function = new { arguments = arguments[half..] } } } }),
            ChatChunk(new { }, "tool_calls"),
            ChatUsageChunk(30, 9),
        ];
    }

    public static object ChatCompletion(string text) => new
    {
        id = "chatcmpl-1", @object = "chat.completion", created = 1, model = "upstream-chat",
        choices = new[] { new { index = 0, message = new { role = "assistant", content = text }, finish_reason = "stop" } },
        usage = new { prompt_tokens = 12, completion_tokens = 4, total_tokens = 16 },
    };

    /// <summary>A JSON answer framed by its length, as the OpenAI API sends one.</summary>
    public static Task WriteJsonAsync(HttpContext http, int status, object body)
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(body);
        http.Response.StatusCode = status;
        http.Response.ContentType = "application/json";
        http.Response.ContentLength = bytes.Length;
        return http.Response.Body.WriteAsync(bytes, http.RequestAborted).AsTask();
    }

    /// <summary>The Responses event sequence of a one-message text reply, with usage on the terminal event.</summary>
    public static IReadOnlyList<object> TextEvents(string text, long inputTokens = 10, long outputTokens = 3) =>
    [
        new { type = "response.created", sequence_number = 0, response = new { id = "resp_1", @object = "response", created_at = 1764000000, status = "in_progress", output = Array.Empty<object>() } },
        new { type = "response.output_item.added", sequence_number = 1, output_index = 0, item = new { type = "message", id = "msg_1", role = "assistant", status = "in_progress", content = Array.Empty<object>() } },
        new { type = "response.output_text.delta", sequence_number = 2, item_id = "msg_1", output_index = 0, content_index = 0, delta = text },
        new { type = "response.output_item.done", sequence_number = 3, output_index = 0, item = Message(text) },
        new { type = "response.completed", sequence_number = 4, response = CompletedResponse(text, inputTokens, outputTokens) },
    ];

    /// <summary>The events of a turn that asks the client to call a function.</summary>
    public static IReadOnlyList<object> FunctionCallEvents(string name, string arguments, string callId = "call_1") =>
    [
        new { type = "response.created", sequence_number = 0, response = new { id = "resp_2", @object = "response", status = "in_progress", output = Array.Empty<object>() } },
        new { type = "response.output_item.added", sequence_number = 1, output_index = 0, item = new { type = "function_call", id = "fc_1", call_id = callId, name, arguments = "", status = "in_progress" } },
        new { type = "response.function_call_arguments.delta", sequence_number = 2, item_id = "fc_1", output_index = 0, delta = arguments },
        new { type = "response.function_call_arguments.done", sequence_number = 3, item_id = "fc_1", output_index = 0, arguments },
        new { type = "response.output_item.done", sequence_number = 4, output_index = 0, item = new { type = "function_call", id = "fc_1", call_id = callId, name, arguments, status = "completed" } },
        new
        {
            type = "response.completed", sequence_number = 5,
            response = new { id = "resp_2", @object = "response", status = "completed", output = Array.Empty<object>(), usage = Usage(20, 5) },
        },
    ];

    /// <summary>
    /// A turn of a reasoning model: a reasoning item whose encrypted content only this upstream can read, then a function
    /// call (or, with <paramref name="functionName"/> null, a text answer).
    /// </summary>
    public static IReadOnlyList<object> ReasoningTurnEvents(string encryptedContent, string? functionName, string argumentsOrText, string callId = "call_1")
    {
        var reasoning = new { type = "reasoning", id = "rs_1", summary = Array.Empty<object>(), encrypted_content = encryptedContent };
        object second = functionName is null
            ? Message(argumentsOrText)
            : new { type = "function_call", id = "fc_1", call_id = callId, name = functionName, arguments = argumentsOrText, status = "completed" };
        return
        [
            new { type = "response.created", sequence_number = 0, response = new { id = "resp_r", @object = "response", status = "in_progress", output = Array.Empty<object>() } },
            new { type = "response.output_item.added", sequence_number = 1, output_index = 0, item = new { type = "reasoning", id = "rs_1", summary = Array.Empty<object>() } },
            new { type = "response.output_item.done", sequence_number = 2, output_index = 0, item = reasoning },
            new { type = "response.output_item.added", sequence_number = 3, output_index = 1, item = second },
            new { type = "response.output_item.done", sequence_number = 4, output_index = 1, item = second },
            new { type = "response.completed", sequence_number = 5, response = new { id = "resp_r", @object = "response", status = "completed", output = new[] { reasoning, second }, usage = Usage(30, 8) } },
        ];
    }

    /// <summary>An Anthropic Messages text answer as a stream, with the input usage first and the output usage last.</summary>
    public static IReadOnlyList<object> MessagesTextEvents(string text, long input = 10, long output = 3, long cacheRead = 0, long cacheWrite = 0) =>
    [
        MessageStart(input, cacheRead, cacheWrite),
        new { type = "content_block_start", index = 0, content_block = new { type = "text", text = "" } },
        new { type = "content_block_delta", index = 0, delta = new { type = "text_delta", text = text[..(text.Length / 2)] } },
        new { type = "content_block_delta", index = 0, delta = new { type = "text_delta", text = text[(text.Length / 2)..] } },
        new { type = "content_block_stop", index = 0 },
        new { type = "message_delta", delta = new { stop_reason = "end_turn", stop_sequence = (string?)null }, usage = new { output_tokens = output } },
        new { type = "message_stop" },
    ];

    /// <summary>A Messages turn that thinks (signed) and then calls a tool whose input arrives in pieces.</summary>
    public static IReadOnlyList<object> MessagesToolUseEvents(string name, string inputJson, string id = "toolu_1", string? thinking = null, string signature = "sig-upstream")
    {
        var half = inputJson.Length / 2;
        var events = new List<object> { MessageStart(30, 0, 0) };
        var index = 0;
        if (thinking is not null)
        {
            events.Add(new { type = "content_block_start", index, content_block = new { type = "thinking", thinking = "", signature = "" } });
            events.Add(new { type = "content_block_delta", index, delta = new { type = "thinking_delta", thinking } });
            events.Add(new { type = "content_block_delta", index, delta = new { type = "signature_delta", signature } });
            events.Add(new { type = "content_block_stop", index });
            index++;
        }
        events.Add(new { type = "content_block_start", index, content_block = new { type = "tool_use", id, name, input = new { } } });
        events.Add(new { type = "content_block_delta", index, delta = new { type = "input_json_delta", partial_json = inputJson[..half] } });
        events.Add(new { type = "content_block_delta", index, delta = new { type = "input_json_delta", partial_json = inputJson[half..] } });
        events.Add(new { type = "content_block_stop", index });
        events.Add(new { type = "message_delta", delta = new { stop_reason = "tool_use", stop_sequence = (string?)null }, usage = new { output_tokens = 9 } });
        events.Add(new { type = "message_stop" });
        return events;
    }

    private static object MessageStart(long input, long cacheRead, long cacheWrite) => new
    {
        type = "message_start",
        message = new
        {
            id = "msg_upstream", type = "message", role = "assistant", model = "upstream-claude", content = Array.Empty<object>(), stop_reason = (string?)null,
            usage = new { input_tokens = input, cache_read_input_tokens = cacheRead, cache_creation_input_tokens = cacheWrite, output_tokens = 1 },
        },
    };

    /// <summary>A whole Anthropic Messages text answer.</summary>
    public static object MessagesMessage(string text) => new
    {
        id = "msg_upstream", type = "message", role = "assistant", model = "upstream-claude",
        content = new[] { new { type = "text", text } }, stop_reason = "end_turn", stop_sequence = (string?)null,
        usage = new { input_tokens = 10, cache_read_input_tokens = 0, cache_creation_input_tokens = 0, output_tokens = 3 },
    };

    public static object CompletedResponse(string text, long inputTokens = 10, long outputTokens = 3) =>
        new { id = "resp_1", @object = "response", created_at = 1764000000, status = "completed", model = "upstream-model", output = new[] { Message(text) }, usage = Usage(inputTokens, outputTokens) };

    /// <summary>Stops answering (connections are refused from now on); may be called more than once.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }

    private int _disposed;

    private static object Message(string text) =>
        new { type = "message", id = "msg_1", role = "assistant", status = "completed", content = new[] { new { type = "output_text", text, annotations = Array.Empty<object>() } } };

    private static object Usage(long input, long output) => new
    {
        input_tokens = input,
        input_tokens_details = new { cached_tokens = 0 },
        output_tokens = output,
        output_tokens_details = new { reasoning_tokens = 0 },
        total_tokens = input + output,
    };
}

public sealed record ReceivedRequest(string Body, string Authorization)
{
    public JsonElement Json => JsonDocument.Parse(Body).RootElement;

    public string Path { get; init; } = "";

    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();
}
