using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace GenAiRouter.Bridge.Tests;

/// <summary>
/// The Codex flows against Chat-only targets, through ingress and the bridge: the chat upstream streams its
/// answer (and its tool call) in pieces, as real servers do.
/// </summary>
public sealed class CodexThroughBridgeTests : IAsyncLifetime
{
    private readonly string _workdir = Directory.CreateTempSubdirectory("codex-bridge-").FullName;
    private ScriptedUpstream _chat = null!;
    private ScriptedUpstream _vision = null!;
    private LocalRouter _router = null!;
    private string _token = "";

    public async ValueTask InitializeAsync()
    {
        _chat = await ScriptedUpstream.StartAsync();
        _vision = await ScriptedUpstream.StartAsync();
        _chat.ChatReply = ScriptChat;
        _vision.ChatReply = (http, _) => ScriptedUpstream.WriteChatChunksAsync(http, ScriptedUpstream.ChatTextChunks("a tiny image"));
        _router = await LocalRouter.StartAsync($$"""
            bridge: { enabled: true }
            groups:
              chat-coder:
                reasoning: { levels: [low, high], default: low }
                targets:
                  - name: chat
                    api: chat
                    base_url: {{_chat.BaseUrl}}
                    model: upstream-chat
                    api_key_env: CHAT_KEY
                    capabilities: [tools, reasoning, streaming]
                    reasoning: { levels: [low, high], param: reasoning_effort }
                    responses_to_chat: { streaming: true, reasoning: true, drop_hosted_tools: true }
              chat-vision:
                targets:
                  - name: chat-eyes
                    api: chat
                    base_url: {{_vision.BaseUrl}}
                    model: upstream-vl
                    capabilities: [tools, images, streaming]
                    responses_to_chat: { streaming: true, images: true, drop_hosted_tools: true }
            """, new() { ["CHAT_KEY"] = "sk-chat-key-123" });
        _token = await _router.IssueTokenAsync("--groups", "chat-coder,chat-vision", "--reasoning", "chat-coder");
    }

    [Fact]
    public async Task Codex_gets_a_one_shot_reply_from_a_chat_target()
    {
        CodexCli.Require();

        var (exit, stdout, stderr) = await CodexCli.ExecAsync(_router.BaseUrl, _token, "chat-coder", "Reply with exactly: router codex ok", _workdir);

        Assert.True(exit == 0, stderr);
        Assert.Contains("router codex ok", stdout, StringComparison.Ordinal);
        var chat = _chat.Received.Single();
        Assert.Equal("Bearer sk-chat-key-123", chat.Authorization);
        Assert.Equal("upstream-chat", chat.Json.GetProperty("model").GetString());
        Assert.True(chat.Json.GetProperty("stream_options").GetProperty("include_usage").GetBoolean());
        var names = chat.Json.GetProperty("tools").EnumerateArray().Select(t => t.GetProperty("function").GetProperty("name").GetString()).ToList();
        Assert.Contains("exec_command", names);
        Assert.Contains("multi_agent_v1__spawn_agent", names);
        Assert.DoesNotContain(chat.Json.GetProperty("tools").EnumerateArray(), t => t.GetProperty("type").GetString() != "function");
    }

    [Fact]
    public async Task Codex_runs_a_tool_a_chat_target_asks_for_in_pieces_and_the_ids_stay_paired()
    {
        CodexCli.Require();

        var (exit, stdout, stderr) = await CodexCli.ExecAsync(_router.BaseUrl, _token, "chat-coder", "Please run the tool now", _workdir,
            "--dangerously-bypass-approvals-and-sandbox", "-C", _workdir);

        Assert.True(exit == 0, stderr);
        Assert.Equal("tool-loop-ok", (await File.ReadAllTextAsync(Path.Combine(_workdir, "proof.txt"))).Trim());
        Assert.Contains("tool loop done", stdout, StringComparison.Ordinal);
        var messages = _chat.Received.Last().Json.GetProperty("messages").EnumerateArray().ToList();
        var call = messages.Single(m => m.TryGetProperty("tool_calls", out _)).GetProperty("tool_calls")[0];
        var result = messages.Single(m => m.GetProperty("role").GetString() == "tool");
        Assert.Equal("call_chat_1", call.GetProperty("id").GetString());
        Assert.Equal("exec_command", call.GetProperty("function").GetProperty("name").GetString());
        Assert.Equal("call_chat_1", result.GetProperty("tool_call_id").GetString());
    }

    [Fact]
    public async Task An_image_from_codex_reaches_the_image_validated_chat_target_as_an_image_url_part()
    {
        CodexCli.Require();
        var image = Path.Combine(_workdir, "pixel.png");
        await File.WriteAllBytesAsync(image, TestImages.OnePixelPng);

        var (exit, stdout, stderr) = await CodexCli.ExecAsync(_router.BaseUrl, _token, "chat-vision", "Describe this image", _workdir, "--image", image);

        Assert.True(exit == 0, stderr);
        Assert.Contains("a tiny image", stdout, StringComparison.Ordinal);
        var body = _vision.Received.Single().Body;
        Assert.Contains("\"image_url\":{\"url\":\"data:image/png;base64,", body, StringComparison.Ordinal);
        Assert.Empty(_chat.Received);
    }

    [Fact]
    public async Task A_bridged_answer_says_which_hosted_tools_were_dropped_and_carries_chat_usage_as_responses_usage()
    {
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_router.BaseUrl, "responses"))
        {
            Content = new StringContent("""{"model":"chat-coder","input":"hi","tools":[{"type":"web_search"}]}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _token);

        using var response = await http.SendAsync(request);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("web_search", response.Headers.GetValues("x-router-dropped-tools").Single());
        Assert.Equal("chat", response.Headers.GetValues("x-router-bridge").Single());
        Assert.Equal("completed", body.GetProperty("status").GetString());
        Assert.Equal("router codex ok", body.GetProperty("output")[0].GetProperty("content")[0].GetProperty("text").GetString());
        Assert.Equal(12, body.GetProperty("usage").GetProperty("input_tokens").GetInt32());
        Assert.Equal(4, body.GetProperty("usage").GetProperty("output_tokens").GetInt32());
    }

    public async ValueTask DisposeAsync()
    {
        await _router.DisposeAsync();
        await _chat.DisposeAsync();
        await _vision.DisposeAsync();
        Directory.Delete(_workdir, recursive: true);
    }

    /// <summary>Streams a shell tool call when told to run the tool, answers its result, and replies with text otherwise.</summary>
    private static Task ScriptChat(HttpContext http, JsonElement request)
    {
        var messages = request.GetProperty("messages").EnumerateArray().ToList();
        if (messages.Any(m => m.GetProperty("role").GetString() == "tool"))
        {
            return ScriptedUpstream.WriteChatChunksAsync(http, ScriptedUpstream.ChatTextChunks("tool loop done"));
        }
        var lastUser = messages.Last(m => m.GetProperty("role").GetString() == "user").GetRawText();
        if (lastUser.Contains("run the tool", StringComparison.Ordinal))
        {
            return ScriptedUpstream.WriteChatChunksAsync(http, ScriptedUpstream.ChatToolCallChunks("exec_command", """{"cmd":"echo tool-loop-ok > proof.txt"}"""));
        }
        return request.TryGetProperty("stream", out var s) && s.ValueKind == JsonValueKind.True
            ? ScriptedUpstream.WriteChatChunksAsync(http, ScriptedUpstream.ChatTextChunks("router codex ok"))
            : ScriptedUpstream.WriteJsonAsync(http, 200, ScriptedUpstream.ChatCompletion("router codex ok"));
    }
}
