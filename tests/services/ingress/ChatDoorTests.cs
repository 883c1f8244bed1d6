using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace GenAiRouter.Ingress.Tests;

/// <summary>
/// POST /v1/chat/completions through the real router: relayed natively to chat targets, translated by the bridge for
/// Responses targets; errors, caching and usage as on every door.
/// </summary>
public sealed class ChatDoorTests : IAsyncLifetime
{
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };
    private ScriptedUpstream _chat = null!;
    private ScriptedUpstream _responses = null!;
    private LocalRouter _router = null!;
    private string _token = "";

    public async ValueTask InitializeAsync()
    {
        _chat = await ScriptedUpstream.StartAsync();
        _responses = await ScriptedUpstream.StartAsync();
        _responses.Reply = ScriptResponses;
        _router = await LocalRouter.StartAsync($$"""
            bridge: { enabled: true }
            groups:
              chat-native:
                cache: { ttl: 5m }
                reasoning: { levels: [low, high], default: low }
                targets:
                  - { name: vllm, api: chat, base_url: {{_chat.BaseUrl}}, model: qwen3-coder, api_key_env: CHAT_KEY, capabilities: [tools, streaming, reasoning, images],
                      prices: { input_per_mtok: 1, output_per_mtok: 2 } }
              on-responses:
                reasoning: { levels: [low, high], default: low }
                targets:
                  - { name: gpt, api: responses, base_url: {{_responses.BaseUrl}}, model: gpt-5.1-codex, api_key_env: RESPONSES_KEY, capabilities: [tools, streaming, reasoning, structured_output],
                      prices: { input_per_mtok: 1, output_per_mtok: 2 } }
            """, new() { ["CHAT_KEY"] = "sk-chat-upstream", ["RESPONSES_KEY"] = "sk-responses-upstream" });
        _token = await _router.IssueTokenAsync("--groups", "chat-native,on-responses", "--reasoning", "chat-native,on-responses");
    }

    [Fact]
    public async Task A_chat_target_gets_the_request_natively_with_its_model_and_key_and_the_answer_comes_back_as_sent()
    {
        using var response = await PostAsync("""{"model":"chat-native","messages":[{"role":"user","content":"hi"}]}""");
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("vllm", response.Headers.GetValues("x-router-target").Single());
        Assert.False(response.Headers.Contains("x-router-bridge"));
        Assert.Equal(JsonSerializer.Serialize(ScriptedUpstream.ChatCompletion("router codex ok")), body);
        var sent = _chat.Received.Last();
        Assert.Equal("qwen3-coder", sent.Json.GetProperty("model").GetString());
        Assert.Equal("Bearer sk-chat-upstream", sent.Authorization);
    }

    [Fact]
    public async Task A_stream_asks_the_upstream_for_usage_and_hides_the_usage_chunk_from_a_caller_that_did_not_ask()
    {
        var before = (await WaitForUsageAsync("chat-native", requests: 0)).GetProperty("input_tokens").GetInt64();
        using var hidden = await PostAsync("""{"model":"chat-native","stream":true,"messages":[{"role":"user","content":"hide usage"}]}""");
        var hiddenBody = await hidden.Content.ReadAsStringAsync();
        var asked = _chat.Received.Last().Json;
        using var shown = await PostAsync("""{"model":"chat-native","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"show usage"}]}""");
        var shownBody = await shown.Content.ReadAsStringAsync();

        Assert.True(asked.GetProperty("stream_options").GetProperty("include_usage").GetBoolean());
        Assert.DoesNotContain("\"usage\"", hiddenBody, StringComparison.Ordinal);
        Assert.EndsWith("data: [DONE]\n\n", hiddenBody, StringComparison.Ordinal);
        Assert.Contains("router codex ok"[..7], hiddenBody, StringComparison.Ordinal);
        Assert.Contains("\"usage\"", shownBody, StringComparison.Ordinal);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        long after;
        while ((after = (await WaitForUsageAsync("chat-native", requests: 0)).GetProperty("input_tokens").GetInt64()) < before + 24 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(300);
        }
        Assert.Equal(before + 24, after);
    }

    [Fact]
    public async Task A_responses_target_serves_a_chat_caller_through_the_bridge_whole_and_streamed()
    {
        using var whole = await PostAsync("""{"model":"on-responses","messages":[{"role":"system","content":"be brief"},{"role":"user","content":"hi"}],"max_tokens":50}""");
        var completion = JsonDocument.Parse(await whole.Content.ReadAsStringAsync()).RootElement;
        var sent = _responses.Received.Last().Json;
        using var streamed = await PostAsync("""{"model":"on-responses","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"hi"}]}""");
        var streamedBody = await streamed.Content.ReadAsStringAsync();
        var chunks = Chunks(streamedBody);

        Assert.True(chunks.Last().TryGetProperty("usage", out _), streamedBody);
        Assert.Equal(HttpStatusCode.OK, whole.StatusCode);
        Assert.Equal("responses", whole.Headers.GetValues("x-router-bridge").Single());
        Assert.Equal("chat.completion", completion.GetProperty("object").GetString());
        Assert.Equal("from responses", completion.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString());
        Assert.Equal("stop", completion.GetProperty("choices")[0].GetProperty("finish_reason").GetString());
        Assert.Equal(10, completion.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
        Assert.Equal(("gpt-5.1-codex", 50, false), (sent.GetProperty("model").GetString(), sent.GetProperty("max_output_tokens").GetInt32(), sent.GetProperty("store").GetBoolean()));
        var system = sent.GetProperty("input")[0];
        Assert.Equal(("developer", "be brief"), (system.GetProperty("role").GetString(), system.GetProperty("content")[0].GetProperty("text").GetString()));
        Assert.Equal("from responses", string.Concat(chunks.Where(c => c.GetProperty("choices").GetArrayLength() > 0)
            .Select(c => c.GetProperty("choices")[0].GetProperty("delta")).Where(d => d.TryGetProperty("content", out _)).Select(d => d.GetProperty("content").GetString())));
        Assert.Equal(13, chunks.Last().GetProperty("usage").GetProperty("total_tokens").GetInt32());
    }

    [Fact]
    public async Task A_tool_call_from_a_responses_target_reaches_a_chat_caller_as_tool_calls_and_the_result_goes_back_as_an_output()
    {
        using var call = await PostAsync("""{"model":"on-responses","stream":true,"messages":[{"role":"user","content":"run the tool"}],"tools":[{"type":"function","function":{"name":"bash","parameters":{"type":"object"}}}]}""");
        var chunks = Chunks(await call.Content.ReadAsStringAsync());
        var calls = chunks.Where(c => c.GetProperty("choices").GetArrayLength() > 0).Select(c => c.GetProperty("choices")[0])
            .Where(c => c.GetProperty("delta").TryGetProperty("tool_calls", out _)).Select(c => c.GetProperty("delta").GetProperty("tool_calls")[0]).ToList();

        Assert.Equal("call_1", calls[0].GetProperty("id").GetString());
        Assert.Equal("bash", calls[0].GetProperty("function").GetProperty("name").GetString());
        Assert.Equal("""{"command":"ls"}""", string.Concat(calls.Select(c => c.GetProperty("function").GetProperty("arguments").GetString())));
        Assert.Equal("tool_calls", chunks.Single(c => c.GetProperty("choices").GetArrayLength() > 0 && c.GetProperty("choices")[0].GetProperty("finish_reason").ValueKind == JsonValueKind.String)
            .GetProperty("choices")[0].GetProperty("finish_reason").GetString());

        using var result = await PostAsync("""
            {"model":"on-responses","messages":[{"role":"user","content":"run the tool"},
              {"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"bash","arguments":"{\"command\":\"ls\"}"}}]},
              {"role":"tool","tool_call_id":"call_1","content":[{"type":"text","text":"a.txt"}]}],
             "tools":[{"type":"function","function":{"name":"bash","parameters":{"type":"object"}}}]}
            """);
        var input = _responses.Received.Last().Json.GetProperty("input").EnumerateArray().ToList();
        Assert.Equal(HttpStatusCode.OK, result.StatusCode);
        Assert.Equal(["message", "function_call", "function_call_output"], input.Select(i => i.GetProperty("type").GetString()));
        Assert.Equal(("call_1", "a.txt"), (input[2].GetProperty("call_id").GetString(), input[2].GetProperty("output").GetString()));
    }

    [Theory]
    [InlineData("""{"model":"chat-native","messages":"hi"}""", 400, "invalid_type")]
    [InlineData("""{"model":"chat-native"}""", 400, "missing_required_parameter")]
    [InlineData("""{"model":"chat-native","messages":[],"stream":"yes"}""", 400, "invalid_type")]
    [InlineData("""{"model":"chat-native","messages":[],"reasoning_effort":"medium"}""", 400, "unsupported_value")]
    [InlineData("""{"model":"on-responses","n":2,"messages":[{"role":"user","content":"hi"}]}""", 400, "invalid_request")]
    [InlineData("""{"model":"nope","messages":[]}""", 404, "model_not_found")]
    public async Task Refusals_are_openai_shaped(string json, int status, string code)
    {
        using var response = await PostAsync(json);

        Assert.Equal(status, (int)response.StatusCode);
        var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error");
        Assert.Equal(code, error.GetProperty("code").GetString());
        if (code == "unsupported_value")
        {
            Assert.Equal("reasoning_effort", error.GetProperty("param").GetString());
        }
    }

    [Fact]
    public async Task The_cache_answers_a_repeated_chat_request_streamed_or_not_and_tools_bypass_it()
    {
        var ask = """{"model":"chat-native","messages":[{"role":"user","content":"cache me"}]}""";
        using var miss = await PostAsync(ask);
        using var hit = await PostAsync(ask);
        using var streamedHit = await PostAsync(ask.Replace("\"messages\"", "\"stream\":true,\"messages\"", StringComparison.Ordinal));
        using var tools = await PostAsync("""{"model":"chat-native","messages":[{"role":"user","content":"cache me"}],"tools":[{"type":"function","function":{"name":"f"}}]}""");

        Assert.Equal(("miss", "hit", "hit", "bypass"), (Cache(miss), Cache(hit), Cache(streamedHit), Cache(tools)));
        Assert.Equal(await miss.Content.ReadAsStringAsync(), await hit.Content.ReadAsStringAsync());
        var streamed = await streamedHit.Content.ReadAsStringAsync();
        Assert.Contains("router codex ok", string.Concat(Chunks(streamed).Where(c => c.GetProperty("choices").GetArrayLength() > 0)
            .Select(c => c.GetProperty("choices")[0].GetProperty("delta")).Where(d => d.TryGetProperty("content", out _)).Select(d => d.GetProperty("content").GetString())), StringComparison.Ordinal);
        Assert.EndsWith("data: [DONE]\n\n", streamed, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Usage_events_record_the_chat_door_and_whether_the_answer_was_translated()
    {
        using (await PostAsync("""{"model":"on-responses","messages":[{"role":"user","content":"meter me"}]}""")) { }
        var usage = await WaitForUsageAsync("on-responses", requests: 1);

        Assert.Equal(10, usage.GetProperty("input_tokens").GetInt64());
        Assert.True(usage.GetProperty("cost").GetDouble() > 0);
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _router.DisposeAsync();
        await _chat.DisposeAsync();
        await _responses.DisposeAsync();
    }

    private static string Cache(HttpResponseMessage response) => response.Headers.GetValues("x-router-cache").Single();

    private async Task<JsonElement> WaitForUsageAsync(string group, int requests)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var json = await _router.RunCliAsync("usage", "--group", group, "--since", "1d", "--format", "json");
            var total = JsonDocument.Parse(json).RootElement.GetProperty("total");
            if (total.GetProperty("requests").GetInt64() >= requests || DateTime.UtcNow > deadline)
            {
                return total.Clone();
            }
            await Task.Delay(300);
        }
    }

    private static List<JsonElement> Chunks(string stream) =>
        [.. stream.Split("\n\n", StringSplitOptions.RemoveEmptyEntries).Select(f => f["data: ".Length..]).Where(d => d != "[DONE]").Select(d => JsonDocument.Parse(d).RootElement)];

    private async Task<HttpResponseMessage> PostAsync(string json)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_router.BaseUrl, "chat/completions")) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _token);
        return await _http.SendAsync(request);
    }

    /// <summary>A Responses upstream: a function call when asked to run the tool (and no output yet), text otherwise.</summary>
    private static Task ScriptResponses(HttpContext http, JsonElement request)
    {
        var stream = request.TryGetProperty("stream", out var s) && s.ValueKind == JsonValueKind.True;
        var text = request.GetProperty("input").GetRawText();
        if (text.Contains("run the tool", StringComparison.Ordinal) && !text.Contains("function_call_output", StringComparison.Ordinal))
        {
            return ScriptedUpstream.WriteEventsAsync(http, ScriptedUpstream.FunctionCallEvents("bash", """{"command":"ls"}""", "call_1"));
        }
        return stream
            ? ScriptedUpstream.WriteEventsAsync(http, ScriptedUpstream.TextEvents("from responses"))
            : ScriptedUpstream.WriteJsonAsync(http, 200, ScriptedUpstream.CompletedResponse("from responses"));
    }
}
