using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace GenAiRouter.Ingress.Tests;

/// <summary>
/// POST /v1/messages through the real router: relayed natively to Messages targets (their key as x-api-key, the
/// caller's API version and betas passed on), translated for Responses and chat targets; Messages targets serving the
/// other doors; thinking sealed by boundary; count_tokens; errors in Anthropic's shape; cache reads and writes metered.
/// </summary>
public sealed class MessagesDoorTests : IAsyncLifetime
{
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };
    private ScriptedUpstream _claude = null!;
    private ScriptedUpstream _responses = null!;
    private ScriptedUpstream _chat = null!;
    private LocalRouter _router = null!;
    private string _token = "";

    public async ValueTask InitializeAsync()
    {
        _claude = await ScriptedUpstream.StartAsync();
        _responses = await ScriptedUpstream.StartAsync();
        _chat = await ScriptedUpstream.StartAsync();
        _responses.Reply = ScriptResponses;
        _router = await LocalRouter.StartAsync($$"""
            bridge: { enabled: true }
            groups:
              claude:
                reasoning: { levels: [low, medium, high], default: medium }
                targets:
                  - name: anthropic
                    api: messages
                    base_url: {{_claude.BaseUrl}}
                    model: claude-sonnet-4-5
                    api_key_env: ANTHROPIC_KEY
                    capabilities: [tools, reasoning, streaming, images, structured_output]
                    drop_hosted_tools: true
                    prices: { input_per_mtok: 3, cached_input_per_mtok: 0.3, cache_write_per_mtok: 3.75, output_per_mtok: 15 }
              on-responses:
                reasoning: { levels: [low, medium, high], default: medium }
                targets:
                  - { name: gpt, api: responses, base_url: {{_responses.BaseUrl}}, model: gpt-5.1-codex, api_key_env: RESPONSES_KEY, capabilities: [tools, reasoning, streaming],
                      prices: { input_per_mtok: 1, output_per_mtok: 2 } }
              on-chat:
                targets:
                  - { name: vllm, api: chat, base_url: {{_chat.BaseUrl}}, model: qwen3-coder, capabilities: [tools, streaming], responses_to_chat: { streaming: true } }
            """, new() { ["ANTHROPIC_KEY"] = "sk-ant-upstream", ["RESPONSES_KEY"] = "sk-responses-upstream" });
        _token = await _router.IssueTokenAsync("--groups", "claude,on-responses,on-chat", "--reasoning", "claude,on-responses");
    }

    [Fact]
    public async Task A_messages_target_gets_the_request_natively_with_its_key_as_x_api_key_and_the_callers_version_and_betas()
    {
        using var response = await PostAsync("messages", """{"model":"claude","max_tokens":100,"messages":[{"role":"user","content":"hi"}]}""",
            apiKey: true, ("anthropic-version", "2023-06-01"), ("anthropic-beta", "interleaved-thinking-2025-05-14"));
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(JsonSerializer.Serialize(ScriptedUpstream.MessagesMessage("router claude ok")), body);
        var sent = _claude.Received.Last();
        Assert.Equal("claude-sonnet-4-5", sent.Json.GetProperty("model").GetString());
        Assert.Equal(("sk-ant-upstream", "", "2023-06-01", "interleaved-thinking-2025-05-14"),
            (sent.Headers["x-api-key"], sent.Authorization, sent.Headers["anthropic-version"], sent.Headers["anthropic-beta"]));
        Assert.DoesNotContain(_token, string.Join(' ', sent.Headers.Values), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_caller_token_may_come_as_bearer_and_a_missing_one_is_refused_in_anthropics_shape()
    {
        using (var bearer = await PostAsync("messages", """{"model":"claude","max_tokens":100,"messages":[{"role":"user","content":"hi"}]}""", apiKey: false))
        {
            Assert.Equal(HttpStatusCode.OK, bearer.StatusCode);
        }
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_router.BaseUrl, "messages"))
        {
            Content = new StringContent("""{"model":"claude","max_tokens":100,"messages":[]}""", Encoding.UTF8, "application/json"),
        };
        using var missing = await _http.SendAsync(request);
        var error = JsonDocument.Parse(await missing.Content.ReadAsStringAsync()).RootElement;

        Assert.Equal(HttpStatusCode.Unauthorized, missing.StatusCode);
        Assert.Equal("error", error.GetProperty("type").GetString());
        Assert.Equal("authentication_error", error.GetProperty("error").GetProperty("type").GetString());
        Assert.Contains("x-api-key", error.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.StartsWith("req_", error.GetProperty("request_id").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"model":"nope","max_tokens":10,"messages":[]}""", 404, "not_found_error", "'nope' does not exist")]
    [InlineData("""{"model":"claude","messages":[{"role":"user","content":"hi"}]}""", 400, "invalid_request_error", "'max_tokens'")]
    [InlineData("""{"model":"claude","max_tokens":10,"messages":"hi"}""", 400, "invalid_request_error", "'messages'")]
    [InlineData("""{"model":"claude",""", 400, "invalid_request_error", "not valid JSON")]
    public async Task Refusals_are_anthropic_shaped(string json, int status, string type, string message)
    {
        using var response = await PostAsync("messages", json, apiKey: true);
        var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal(type, error.GetProperty("error").GetProperty("type").GetString());
        Assert.Contains(message, error.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Thinking_signatures_are_sealed_by_boundary_unsealed_for_the_same_target_and_left_out_for_another()
    {
        _claude.MessagesReply = (http, _) => ScriptedUpstream.WriteEventsAsync(http, ScriptedUpstream.MessagesToolUseEvents("Bash", """{"command":"ls"}""", thinking: "List first.", signature: "sig-upstream"));
        using var first = await PostAsync("messages", """{"model":"claude","max_tokens":2000,"stream":true,"messages":[{"role":"user","content":"run ls"}]}""", apiKey: true);
        var stream = await first.Content.ReadAsStringAsync();
        var signature = Events(stream).Single(e => e.Type == "content_block_delta" && e.Json.GetProperty("delta").GetProperty("type").GetString() == "signature_delta")
            .Json.GetProperty("delta").GetProperty("signature").GetString()!;
        Assert.Matches("^rtr1:[0-9a-f]{12}:sig-upstream$", signature);

        _claude.MessagesReply = (http, _) => ScriptedUpstream.WriteJsonAsync(http, 200, ScriptedUpstream.MessagesMessage("done"));
        using (var own = await PostAsync("messages", FollowUp(signature), apiKey: true))
        {
            Assert.Equal(HttpStatusCode.OK, own.StatusCode);
            Assert.False(own.Headers.Contains("x-router-reasoning-dropped"));
        }
        var back = _claude.Received.Last().Json.GetProperty("messages")[1].GetProperty("content")[0];
        Assert.Equal(("thinking", "sig-upstream"), (back.GetProperty("type").GetString(), back.GetProperty("signature").GetString()));

        using var foreign = await PostAsync("messages", FollowUp("rtr1:000000000000:sig-elsewhere"), apiKey: true);
        Assert.Equal("1", foreign.Headers.GetValues("x-router-reasoning-dropped").Single());
        var blocks = _claude.Received.Last().Json.GetProperty("messages")[1].GetProperty("content");
        Assert.Equal(["tool_use"], blocks.EnumerateArray().Select(b => b.GetProperty("type").GetString()));

        static string FollowUp(string signature) => $$$"""
            {"model":"claude","max_tokens":2000,"messages":[
              {"role":"user","content":"run ls"},
              {"role":"assistant","content":[{"type":"thinking","thinking":"List first.","signature":"{{{signature}}}"},{"type":"tool_use","id":"toolu_1","name":"Bash","input":{"command":"ls"}}]},
              {"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1","content":"a.txt"}]}]}
            """;
    }

    [Fact]
    public async Task A_responses_target_serves_a_messages_caller_streamed_with_tool_use_and_full_usage()
    {
        using var response = await PostAsync("messages",
            """{"model":"on-responses","max_tokens":500,"stream":true,"tools":[{"name":"bash","input_schema":{"type":"object"}}],"messages":[{"role":"user","content":"run the tool"}]}""", apiKey: true);
        var events = Events(await response.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("responses", response.Headers.GetValues("x-router-bridge").Single());
        Assert.Equal("message_start", events[0].Type);
        var start = events.Single(e => e.Type == "content_block_start").Json.GetProperty("content_block");
        Assert.Equal(("tool_use", "call_1", "bash"), (start.GetProperty("type").GetString(), start.GetProperty("id").GetString(), start.GetProperty("name").GetString()));
        var input = string.Concat(events.Where(e => e.Type == "content_block_delta").Select(e => e.Json.GetProperty("delta").GetProperty("partial_json").GetString()));
        Assert.Equal("""{"command":"ls"}""", input);
        var delta = events.Single(e => e.Type == "message_delta").Json;
        Assert.Equal("tool_use", delta.GetProperty("delta").GetProperty("stop_reason").GetString());
        Assert.Equal((20, 5), (delta.GetProperty("usage").GetProperty("input_tokens").GetInt32(), delta.GetProperty("usage").GetProperty("output_tokens").GetInt32()));
        Assert.Equal("message_stop", events[^1].Type);
        var sent = _responses.Received.Last().Json;
        Assert.Equal("bash", sent.GetProperty("tools")[0].GetProperty("name").GetString());
    }

    [Fact]
    public async Task A_chat_target_serves_a_messages_caller_whole()
    {
        using var response = await PostAsync("messages", """{"model":"on-chat","max_tokens":50,"system":"Be brief.","messages":[{"role":"user","content":"hi"}]}""", apiKey: true);
        var message = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(("message", "router codex ok", "end_turn"), (message.GetProperty("type").GetString(),
            message.GetProperty("content")[0].GetProperty("text").GetString(), message.GetProperty("stop_reason").GetString()));
        var sent = _chat.Received.Last().Json.GetProperty("messages");
        Assert.Equal(("system", "Be brief."), (sent[0].GetProperty("role").GetString(), sent[0].GetProperty("content").GetString()));
    }

    [Fact]
    public async Task A_responses_caller_on_a_messages_target_gets_its_thinking_back_to_carry_and_the_target_gets_it_again()
    {
        _claude.MessagesReply = (http, _) => ScriptedUpstream.WriteEventsAsync(http, ScriptedUpstream.MessagesToolUseEvents("exec_command", """{"cmd":"ls"}""", "toolu_9", thinking: "Look around.", signature: "sig-claude"));
        using var first = await PostAsync("responses", """{"model":"claude","stream":true,"reasoning":{"effort":"high"},"tools":[{"type":"function","name":"exec_command","parameters":{"type":"object"}}],"input":"look"}""", apiKey: false);
        var events = Events(await first.Content.ReadAsStringAsync());
        var sent = _claude.Received.Last();
        Assert.Equal(("sk-ant-upstream", "2023-06-01"), (sent.Headers["x-api-key"], sent.Headers["anthropic-version"]));
        Assert.Equal("enabled", sent.Json.GetProperty("thinking").GetProperty("type").GetString());
        var done = events.Where(e => e.Type == "response.output_item.done").Select(e => e.Json.GetProperty("item")).ToList();
        var reasoning = done.Single(i => i.GetProperty("type").GetString() == "reasoning");
        var call = done.Single(i => i.GetProperty("type").GetString() == "function_call");
        Assert.Equal(("toolu_9", """{"cmd":"ls"}"""), (call.GetProperty("call_id").GetString(), call.GetProperty("arguments").GetString()));
        var carried = reasoning.GetProperty("encrypted_content").GetString()!;
        Assert.StartsWith("rtr1:", carried, StringComparison.Ordinal);

        _claude.MessagesReply = (http, _) => ScriptedUpstream.WriteEventsAsync(http, ScriptedUpstream.MessagesTextEvents("listed"));
        using var second = await PostAsync("responses", $$$"""
            {"model":"claude","stream":true,"reasoning":{"effort":"high"},"tools":[{"type":"function","name":"exec_command","parameters":{"type":"object"}}],"input":[
              {"role":"user","content":"look"},
              {"type":"reasoning","summary":[],"encrypted_content":"{{{carried}}}"},
              {"type":"function_call","call_id":"toolu_9","name":"exec_command","arguments":"{\"cmd\":\"ls\"}"},
              {"type":"function_call_output","call_id":"toolu_9","output":"a.txt"}]}
            """, apiKey: false);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        var assistant = _claude.Received.Last().Json.GetProperty("messages")[1].GetProperty("content");
        Assert.Equal(("thinking", "Look around.", "sig-claude"), (assistant[0].GetProperty("type").GetString(), assistant[0].GetProperty("thinking").GetString(), assistant[0].GetProperty("signature").GetString()));
        Assert.Equal("tool_use", assistant[1].GetProperty("type").GetString());
    }

    [Fact]
    public async Task A_chat_caller_on_a_messages_target_gets_chunks_and_its_usage()
    {
        _claude.MessagesReply = (http, _) => ScriptedUpstream.WriteEventsAsync(http, ScriptedUpstream.MessagesTextEvents("hello from claude"));
        using var response = await PostAsync("chat/completions", """{"model":"claude","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"hi"}]}""", apiKey: false);
        var chunks = (await response.Content.ReadAsStringAsync()).Split("\n\n", StringSplitOptions.RemoveEmptyEntries).Select(f => f["data: ".Length..]).ToList();

        Assert.Equal("[DONE]", chunks[^1]);
        var parsed = chunks.SkipLast(1).Select(c => JsonDocument.Parse(c).RootElement).ToList();
        Assert.Equal("hello from claude", string.Concat(parsed.Where(c => c.GetProperty("choices").GetArrayLength() > 0)
            .Select(c => c.GetProperty("choices")[0].GetProperty("delta")).Where(d => d.TryGetProperty("content", out _)).Select(d => d.GetProperty("content").GetString())));
        Assert.Equal(10, parsed[^1].GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
        Assert.Equal(Protocols.Messages.MessagesRequestWriter.DefaultMaxTokens, _claude.Received.Last().Json.GetProperty("max_tokens").GetInt64());
    }

    [Fact]
    public async Task Count_tokens_asks_a_messages_target_and_estimates_for_other_targets()
    {
        using (var counted = await PostAsync("messages/count_tokens", """{"model":"claude","messages":[{"role":"user","content":"hi"}]}""", apiKey: true))
        {
            Assert.Equal("""{"input_tokens":42}""", await counted.Content.ReadAsStringAsync());
            Assert.False(counted.Headers.Contains("x-router-token-count"));
        }
        Assert.Equal(("/v1/messages/count_tokens", "claude-sonnet-4-5"), (_claude.Received.Last().Path, _claude.Received.Last().Json.GetProperty("model").GetString()));

        using var estimated = await PostAsync("messages/count_tokens", """{"model":"on-responses","messages":[{"role":"user","content":"twelve chars"}]}""", apiKey: true);
        Assert.Equal("estimated", estimated.Headers.GetValues("x-router-token-count").Single());
        Assert.Equal(3, JsonDocument.Parse(await estimated.Content.ReadAsStringAsync()).RootElement.GetProperty("input_tokens").GetInt32());
    }

    [Fact]
    public async Task Claude_codes_preconnect_head_is_answered()
    {
        using var head = await _http.SendAsync(new HttpRequestMessage(HttpMethod.Head, new Uri(_router.BaseUrl, "/")));

        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
    }

    [Fact]
    public async Task Usage_counts_and_prices_cache_reads_and_writes_apart()
    {
        _claude.MessagesReply = (http, _) => ScriptedUpstream.WriteEventsAsync(http, ScriptedUpstream.MessagesTextEvents("cached", input: 100, output: 50, cacheRead: 1000, cacheWrite: 2000));
        using (var response = await PostAsync("messages", """{"model":"claude","max_tokens":100,"stream":true,"metadata":{"user_id":"meter"},"messages":[{"role":"user","content":"meter me"}]}""", apiKey: true))
        {
            await response.Content.ReadAsStringAsync();
        }
        var deadline = DateTime.UtcNow.AddSeconds(30);
        JsonElement total;
        do
        {
            await Task.Delay(300);
            total = JsonDocument.Parse(await _router.RunCliAsync("usage", "--target", "anthropic", "--since", "1d", "--format", "json")).RootElement.GetProperty("total");
        }
        while (total.GetProperty("cache_write_tokens").GetInt64() < 2000 && DateTime.UtcNow < deadline);

        Assert.Equal((3100L, 1000L, 2000L), (total.GetProperty("input_tokens").GetInt64(), total.GetProperty("cached_input_tokens").GetInt64(), total.GetProperty("cache_write_tokens").GetInt64()));
        Assert.Equal(((100 * 3) + (1000 * 0.3) + (2000 * 3.75) + (50 * 15)) / 1e6, total.GetProperty("cost").GetDouble(), 9);
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _router.DisposeAsync();
        await _claude.DisposeAsync();
        await _responses.DisposeAsync();
        await _chat.DisposeAsync();
    }

    private static List<(string Type, JsonElement Json)> Events(string stream) =>
        [.. stream.Split("\n\n", StringSplitOptions.RemoveEmptyEntries).Select(f => f.Split('\n'))
            .Select(l => (l[0]["event: ".Length..], JsonDocument.Parse(l[1]["data: ".Length..]).RootElement))];

    private async Task<HttpResponseMessage> PostAsync(string path, string json, bool apiKey, params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_router.BaseUrl, path)) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        if (apiKey)
        {
            request.Headers.Add("x-api-key", _token);
        }
        else
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _token);
        }
        foreach (var (name, value) in headers)
        {
            request.Headers.Add(name, value);
        }
        return await _http.SendAsync(request);
    }

    /// <summary>A Responses upstream: a function call when asked to run the tool, text otherwise.</summary>
    private static Task ScriptResponses(HttpContext http, JsonElement request)
    {
        var stream = request.TryGetProperty("stream", out var s) && s.ValueKind == JsonValueKind.True;
        if (request.GetProperty("input").GetRawText().Contains("run the tool", StringComparison.Ordinal))
        {
            return ScriptedUpstream.WriteEventsAsync(http, ScriptedUpstream.FunctionCallEvents("bash", """{"command":"ls"}""", "call_1"));
        }
        return stream
            ? ScriptedUpstream.WriteEventsAsync(http, ScriptedUpstream.TextEvents("from responses"))
            : ScriptedUpstream.WriteJsonAsync(http, 200, ScriptedUpstream.CompletedResponse("from responses"));
    }
}
