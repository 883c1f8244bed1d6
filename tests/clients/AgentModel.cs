using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace GenAiRouter.Clients.Tests;

/// <summary>
/// A scripted upstream that plays the model a coding agent talks to, in Chat Completions, Responses and Anthropic
/// Messages: it greets a
/// plain prompt; asked to create hello.txt while offered the client's shell tool, it reasons briefly and calls that tool;
/// once the conversation holds the tool's result, it gives the final answer. The client really runs the command.
/// </summary>
public sealed class AgentModel : IAsyncDisposable
{
    public const string Greeting = "router chat ok";

    /// <summary>The greeting when the request asks for a JSON schema's structured output.</summary>
    public const string JsonGreeting = """{"greeting":"router chat ok"}""";
    public const string FinalAnswer = "router tool ok, hello.txt is written";
    public const string Thought = "I should run the shell tool.";
    public const string CallId = "call_agent_1";

    /// <summary>The shell command every client is asked to run, as the shell tool's command.</summary>
    public const string Command = "printf 'router tool ok\\n' > hello.txt";

    /// <summary>The arguments of the <c>bash</c> tool opencode and Kilo offer, running <see cref="Command"/>.</summary>
    public static string BashArguments { get; } =
        $$"""{"command":{{System.Text.Json.JsonSerializer.Serialize(Command)}},"description":"Write hello.txt"}""";

    private readonly ScriptedUpstream _upstream;
    private string _shellTool = "";
    private string _shellArguments = "";

    private AgentModel(ScriptedUpstream upstream)
    {
        _upstream = upstream;
        upstream.ChatReply = AnswerChat;
        upstream.Reply = AnswerResponses;
        upstream.MessagesReply = AnswerMessages;
    }

    public Uri BaseUrl => _upstream.BaseUrl;

    /// <summary>Every request this model received, oldest first.</summary>
    public IReadOnlyList<ReceivedRequest> Received => [.. _upstream.Received];

    public static async Task<AgentModel> StartAsync() => new(await ScriptedUpstream.StartAsync());

    /// <summary>Which of the client's tools runs a shell command, and the arguments (JSON) that run <see cref="Command"/>.</summary>
    public void WillCall(string shellTool, string arguments)
    {
        _shellTool = shellTool;
        _shellArguments = arguments;
    }

    public void Forget() => _upstream.Received.Clear();

    private Task AnswerChat(HttpContext http, JsonElement request)
    {
        var messages = request.GetProperty("messages").EnumerateArray().ToList();
        var toolNames = Tools(request).Select(t => t.TryGetProperty("function", out var f) ? f.GetProperty("name").GetString() : null);
        var lastUser = messages.LastOrDefault(m => m.GetProperty("role").GetString() == "user");
        var stream = request.TryGetProperty("stream", out var s) && s.ValueKind == JsonValueKind.True;
        if (messages.Any(m => m.GetProperty("role").GetString() == "tool"))
        {
            return ChatText(http, stream, FinalAnswer);
        }
        if (toolNames.Contains(_shellTool) && lastUser.ValueKind == JsonValueKind.Object && lastUser.GetRawText().Contains("hello.txt", StringComparison.Ordinal))
        {
            if (!stream)
            {
                return ScriptedUpstream.WriteJsonAsync(http, 200, new
                {
                    id = "chatcmpl-agent", @object = "chat.completion", created = 1, model = "upstream-chat",
                    choices = new[]
                    {
                        new
                        {
                            index = 0, finish_reason = "tool_calls",
                            message = new { role = "assistant", content = (string?)null, reasoning_content = Thought, tool_calls = new[] { new { id = CallId, type = "function", function = new { name = _shellTool, arguments = _shellArguments } } } },
                        },
                    },
                    usage = new { prompt_tokens = 30, completion_tokens = 9, total_tokens = 39 },
                });
            }
            return ScriptedUpstream.WriteChatChunksAsync(http,
                [ScriptedUpstream.ChatChunk(new { role = "assistant", reasoning_content = Thought }), .. ScriptedUpstream.ChatToolCallChunks(_shellTool, _shellArguments, CallId)]);
        }
        return ChatText(http, stream, request.TryGetProperty("response_format", out _) ? JsonGreeting : Greeting);
    }

    private static Task ChatText(HttpContext http, bool stream, string text) =>
        stream ? ScriptedUpstream.WriteChatChunksAsync(http, ScriptedUpstream.ChatTextChunks(text)) : ScriptedUpstream.WriteJsonAsync(http, 200, ScriptedUpstream.ChatCompletion(text));

    private Task AnswerResponses(HttpContext http, JsonElement request)
    {
        var input = request.GetProperty("input").EnumerateArray().ToList();
        var toolNames = Tools(request).Select(t => t.TryGetProperty("name", out var n) ? n.GetString() : null);
        var lastUser = input.LastOrDefault(i => i.TryGetProperty("role", out var r) && r.GetString() == "user");
        var stream = request.TryGetProperty("stream", out var s) && s.ValueKind == JsonValueKind.True;
        if (input.Any(i => i.TryGetProperty("type", out var t) && t.GetString() == "function_call_output"))
        {
            return ResponsesText(http, stream, FinalAnswer);
        }
        if (toolNames.Contains(_shellTool) && lastUser.ValueKind == JsonValueKind.Object && lastUser.GetRawText().Contains("hello.txt", StringComparison.Ordinal))
        {
            return stream
                ? ScriptedUpstream.WriteEventsAsync(http, ReasonedCallEvents(_shellTool, _shellArguments))
                : ScriptedUpstream.WriteJsonAsync(http, 500, new { error = new { message = "this scripted model calls tools only in streamed answers" } });
        }
        return ResponsesText(http, stream, request.TryGetProperty("text", out var text) && text.TryGetProperty("format", out _) ? JsonGreeting : Greeting);
    }

    private static Task ResponsesText(HttpContext http, bool stream, string text) =>
        stream ? ScriptedUpstream.WriteEventsAsync(http, ScriptedUpstream.TextEvents(text)) : ScriptedUpstream.WriteJsonAsync(http, 200, ScriptedUpstream.CompletedResponse(text));

    /// <summary>A reasoning item with a readable summary and encrypted content, then the function call.</summary>
    private static IReadOnlyList<object> ReasonedCallEvents(string name, string arguments)
    {
        var reasoning = new { type = "reasoning", id = "rs_agent", summary = new[] { new { type = "summary_text", text = Thought } }, encrypted_content = "enc-agent-upstream" };
        var call = new { type = "function_call", id = "fc_agent", call_id = CallId, name, arguments, status = "completed" };
        return
        [
            new { type = "response.created", sequence_number = 0, response = new { id = "resp_agent", @object = "response", status = "in_progress", output = Array.Empty<object>() } },
            new { type = "response.output_item.added", sequence_number = 1, output_index = 0, item = new { type = "reasoning", id = "rs_agent", summary = Array.Empty<object>() } },
            new { type = "response.reasoning_summary_text.delta", sequence_number = 2, item_id = "rs_agent", output_index = 0, summary_index = 0, delta = Thought },
            new { type = "response.output_item.done", sequence_number = 3, output_index = 0, item = reasoning },
            new { type = "response.output_item.added", sequence_number = 4, output_index = 1, item = call with { arguments = "", status = "in_progress" } },
            new { type = "response.function_call_arguments.delta", sequence_number = 5, item_id = "fc_agent", output_index = 1, delta = arguments },
            new { type = "response.function_call_arguments.done", sequence_number = 6, item_id = "fc_agent", output_index = 1, arguments },
            new { type = "response.output_item.done", sequence_number = 7, output_index = 1, item = call },
            new
            {
                type = "response.completed", sequence_number = 8,
                response = new { id = "resp_agent", @object = "response", status = "completed", output = new object[] { reasoning, call }, usage = new { input_tokens = 30, output_tokens = 8, total_tokens = 38 } },
            },
        ];
    }

    private Task AnswerMessages(HttpContext http, JsonElement request)
    {
        var messages = request.GetProperty("messages").EnumerateArray().ToList();
        var toolNames = Tools(request).Select(t => t.TryGetProperty("name", out var n) ? n.GetString() : null);
        var lastUser = messages.LastOrDefault(m => m.GetProperty("role").GetString() == "user");
        var stream = request.TryGetProperty("stream", out var s) && s.ValueKind == JsonValueKind.True;
        if (messages.Any(m => m.GetProperty("content") is { ValueKind: JsonValueKind.Array } blocks && blocks.EnumerateArray().Any(b => b.GetProperty("type").GetString() == "tool_result")))
        {
            return MessagesText(http, stream, FinalAnswer);
        }
        if (toolNames.Contains(_shellTool) && lastUser.ValueKind == JsonValueKind.Object && lastUser.GetRawText().Contains("hello.txt", StringComparison.Ordinal))
        {
            if (stream)
            {
                return ScriptedUpstream.WriteEventsAsync(http, ScriptedUpstream.MessagesToolUseEvents(_shellTool, _shellArguments, CallId, thinking: Thought));
            }
            return ScriptedUpstream.WriteJsonAsync(http, 200, new
            {
                id = "msg_agent", type = "message", role = "assistant", model = "upstream-claude", stop_reason = "tool_use", stop_sequence = (string?)null,
                content = new object[]
                {
                    new { type = "thinking", thinking = Thought, signature = "sig-upstream" },
                    new { type = "tool_use", id = CallId, name = _shellTool, input = JsonDocument.Parse(_shellArguments).RootElement },
                },
                usage = new { input_tokens = 30, output_tokens = 9 },
            });
        }
        return MessagesText(http, stream, request.TryGetProperty("output_config", out var output) && output.TryGetProperty("format", out _) ? JsonGreeting : Greeting);
    }

    private static Task MessagesText(HttpContext http, bool stream, string text) =>
        stream ? ScriptedUpstream.WriteEventsAsync(http, ScriptedUpstream.MessagesTextEvents(text)) : ScriptedUpstream.WriteJsonAsync(http, 200, ScriptedUpstream.MessagesMessage(text));

    private static JsonElement[] Tools(JsonElement request) =>
        request.TryGetProperty("tools", out var tools) && tools.ValueKind == JsonValueKind.Array ? [.. tools.EnumerateArray()] : [];

    public ValueTask DisposeAsync() => _upstream.DisposeAsync();
}
