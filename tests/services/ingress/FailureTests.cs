using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using GenAiRouter.Hosting;
using Microsoft.AspNetCore.Http;

namespace GenAiRouter.Ingress.Tests;

/// <summary>
/// Every failure ends in a clear answer: upstreams that cut, stall, send the wrong thing or far too much, and a bridge
/// killed in the middle of an answer. A stream ends with its terminal error event; a whole answer becomes a 502/504 in
/// the door's shape, or fails over while nothing has reached the caller.
/// </summary>
public sealed class FailureTests : IAsyncLifetime
{
    private const int SixMegabytes = 6 * 1024 * 1024;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(60) };
    private ScriptedUpstream _a = null!;
    private ScriptedUpstream _b = null!;
    private ScriptedUpstream _chat = null!;
    private LocalRouter _router = null!;
    private string _token = "";
    private TaskCompletionSource _chatHolding = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public async ValueTask InitializeAsync()
    {
        _a = await ScriptedUpstream.StartAsync();
        _b = await ScriptedUpstream.StartAsync();
        _chat = await ScriptedUpstream.StartAsync();
        _a.Reply = ScriptNative;
        _b.Reply = (http, _) => ScriptedUpstream.WriteJsonAsync(http, 200, ScriptedUpstream.CompletedResponse("from B"));
        _chat.ChatReply = ScriptChat;
        _router = await LocalRouter.StartAsync($$"""
            limits: { max_body_mb: 8, max_response_mb: 16, first_byte_timeout: 20s, idle_timeout: 2s }
            bridge: { enabled: true }
            groups:
              failover:
                targets:
                  - { name: a, api: responses, base_url: {{_a.BaseUrl}}, model: m, priority: 1, capabilities: [streaming] }
                  - { name: b, api: responses, base_url: {{_b.BaseUrl}}, model: m, priority: 2, capabilities: [streaming] }
              single:
                targets:
                  - { name: a-only, api: responses, base_url: {{_a.BaseUrl}}, model: m, capabilities: [streaming] }
              chat:
                targets:
                  - { name: chat, api: chat, base_url: {{_chat.BaseUrl}}, model: m, capabilities: [streaming], responses_to_chat: { streaming: true } }
            """);
        _token = await _router.IssueTokenAsync("--groups", "failover,single,chat");
    }

    [Fact]
    public async Task A_native_json_answer_cut_midway_fails_over_to_the_next_target()
    {
        using var response = await PostAsync("""{"model":"failover","input":"cut-json"}""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("b", response.Headers.GetValues("x-router-target").Single());
        Assert.Contains("from B", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("cut-json", false)]
    [InlineData("not-json", false)]
    [InlineData("html-to-a-stream", true)]
    public async Task A_native_answer_that_is_not_what_was_asked_for_is_a_502_never_relayed(string script, bool stream)
    {
        using var response = await PostAsync($$"""{"model":"single","input":"{{script}}","stream":{{(stream ? "true" : "false")}}}""");

        await AssertErrorAsync(response, 502, "upstream_invalid_response");
    }

    [Fact]
    public async Task A_native_stream_that_ends_without_its_terminal_event_gets_one()
    {
        using var response = await PostAsync("""{"model":"single","input":"no-terminal","stream":true}""");
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var last = body.Split("\n\n", StringSplitOptions.RemoveEmptyEntries)[^1];
        Assert.StartsWith("event: error", last, StringComparison.Ordinal);
        Assert.Contains("\"code\":\"upstream_incomplete\"", last, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_5_MB_request_to_a_chat_target_gets_its_6_MB_answer(bool stream)
    {
        var prompt = "big-answer " + new string('p', 5 * 1024 * 1024);

        using var response = await PostAsync($$"""{"model":"chat","input":"{{prompt}}","stream":{{(stream ? "true" : "false")}}}""");
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("chat", response.Headers.GetValues("x-router-bridge").Single());
        var text = stream
            ? JsonDocument.Parse(body.Split("\n\n", StringSplitOptions.RemoveEmptyEntries)[^1].Split("data: ", 2)[1]).RootElement.GetProperty("response")
            : JsonDocument.Parse(body).RootElement;
        Assert.Equal(SixMegabytes, text.GetProperty("output")[0].GetProperty("content")[0].GetProperty("text").GetString()!.Length);
        Assert.Equal(prompt.Length, _chat.Received.Last().Json.GetProperty("messages")[0].GetProperty("content").GetString()!.Length);
    }

    [Fact]
    public async Task A_stalled_non_streamed_chat_answer_times_out_at_the_idle_timeout()
    {
        var watch = Stopwatch.StartNew();
        using var response = await PostAsync("""{"model":"chat","input":"stall-json"}""");

        await AssertErrorAsync(response, 504, "upstream_timeout");
        Assert.InRange(watch.Elapsed, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(15));
    }

    [Fact]
    public async Task The_bridge_killed_mid_stream_ends_the_stream_with_its_error_event_and_comes_back()
    {
        _chatHolding = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var response = await PostAsync("""{"model":"chat","input":"hold-stream","stream":true}""", streamed: true);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        Assert.Contains("response.created", await reader.ReadLineAsync(), StringComparison.Ordinal);

        KillBridge();
        var rest = await reader.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(20));
        _chatHolding.TrySetResult();

        var last = rest.Split("\n\n", StringSplitOptions.RemoveEmptyEntries)[^1];
        Assert.StartsWith("event: error", last, StringComparison.Ordinal);
        Assert.Contains("\"code\":\"upstream_disconnected\"", last, StringComparison.Ordinal);
        await WaitForBridgeAsync();
        using var after = await PostAsync("""{"model":"chat","input":"hi"}""");
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
    }

    [Fact]
    public async Task The_bridge_killed_before_a_whole_answer_is_a_502_in_the_door_shape_and_comes_back()
    {
        _chatHolding = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var pending = PostAsync("""{"model":"chat","input":"hold-json"}""");
        await WaitUntilAsync(() => _chat.Received.Any(r => r.Body.Contains("hold-json", StringComparison.Ordinal)));

        KillBridge();
        using var response = await pending.WaitAsync(TimeSpan.FromSeconds(20));
        _chatHolding.TrySetResult();

        await AssertErrorAsync(response, 502, "upstream_unavailable");
        await WaitForBridgeAsync();
        using var after = await PostAsync("""{"model":"chat","input":"hi"}""");
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
        Assert.DoesNotContain(" FTL ", _router.Output, StringComparison.Ordinal);
    }

    public async ValueTask DisposeAsync()
    {
        _chatHolding.TrySetResult();
        _http.Dispose();
        await _router.DisposeAsync();
        await _a.DisposeAsync();
        await _b.DisposeAsync();
        await _chat.DisposeAsync();
    }

    private void KillBridge()
    {
        using var bridge = Process.GetProcessById(_router.ServiceProcesses()[RouterApps.Bridge]);
        bridge.Kill();
    }

    private async Task WaitForBridgeAsync()
    {
        var readyz = new Uri($"http://127.0.0.1:{RouterApps.StandalonePorts(RouterApps.Bridge, _router.Port).Http}/readyz");
        await WaitUntilAsync(() =>
        {
            try
            {
                using var response = _http.GetAsync(readyz).GetAwaiter().GetResult();
                return response.IsSuccessStatusCode;
            }
            catch (HttpRequestException)
            {
                return false;
            }
        }, TimeSpan.FromSeconds(60));
    }

    private static async Task WaitUntilAsync(Func<bool> condition, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out");
            await Task.Delay(100);
        }
    }

    private static async Task AssertErrorAsync(HttpResponseMessage response, int status, string code)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var error = JsonDocument.Parse(body).RootElement.GetProperty("error");
        Assert.Equal(code, error.GetProperty("code").GetString());
        Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("message").GetString()));
    }

    private async Task<HttpResponseMessage> PostAsync(string json, bool streamed = false)
    {
        using var request = RouterHttp.Responses(_router.BaseUrl, _token, json);
        return await _http.SendAsync(request, streamed ? HttpCompletionOption.ResponseHeadersRead : HttpCompletionOption.ResponseContentRead);
    }

    private static async Task ScriptNative(HttpContext http, JsonElement request)
    {
        var input = request.GetProperty("input").GetString();
        switch (input)
        {
            case "cut-json":
                http.Response.ContentType = "application/json";
                http.Response.ContentLength = 1000;
                await http.Response.WriteAsync("{\"id\":\"resp_1\",\"object\":\"response\",\"status\":\"compl");
                await http.Response.Body.FlushAsync();
                await Task.Delay(100);
                http.Abort();
                break;
            case "not-json":
                http.Response.ContentType = "application/json";
                await http.Response.WriteAsync("<html>502 Bad Gateway</html>");
                break;
            case "html-to-a-stream":
                http.Response.ContentType = "text/html";
                await http.Response.WriteAsync("<html>maintenance</html>");
                break;
            case "no-terminal":
                await ScriptedUpstream.WriteEventsAsync(http, ScriptedUpstream.TextEvents("half").Take(3));
                break;
            default:
                await ScriptedUpstream.WriteJsonAsync(http, 200, ScriptedUpstream.CompletedResponse("from A"));
                break;
        }
    }

    private async Task ScriptChat(HttpContext http, JsonElement request)
    {
        var messages = request.GetProperty("messages");
        var text = messages[messages.GetArrayLength() - 1].GetProperty("content").GetString() ?? "";
        var stream = request.TryGetProperty("stream", out var s) && s.ValueKind == JsonValueKind.True;
        switch (text)
        {
            case { } big when big.StartsWith("big-answer", StringComparison.Ordinal):
                var answer = new string('a', SixMegabytes);
                if (stream)
                {
                    var pieces = Enumerable.Range(0, 6).Select(i => ScriptedUpstream.ChatChunk(new { content = answer.Substring(i * (SixMegabytes / 6), SixMegabytes / 6) })).ToList();
                    await ScriptedUpstream.WriteChatChunksAsync(http, [.. pieces, ScriptedUpstream.ChatChunk(new { }, "stop"), ScriptedUpstream.ChatUsageChunk(5, 6)]);
                }
                else
                {
                    await ScriptedUpstream.WriteJsonAsync(http, 200, ScriptedUpstream.ChatCompletion(answer));
                }
                break;
            case "stall-json":
                http.Response.ContentType = "application/json";
                await http.Response.WriteAsync("{\"id\":\"chatcmpl-1\",\"choices\":[");
                await http.Response.Body.FlushAsync();
                await Task.Delay(TimeSpan.FromSeconds(30), http.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
                break;
            case "hold-stream":
                await ScriptedUpstream.WriteChatChunksAsync(http, ScriptedUpstream.ChatTextChunks("held").Take(2), done: false);
                await _chatHolding.Task.WaitAsync(http.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
                break;
            case "hold-json":
                await _chatHolding.Task.WaitAsync(http.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
                await ScriptedUpstream.WriteJsonAsync(http, 200, ScriptedUpstream.ChatCompletion("late"));
                break;
            default:
                await (stream
                    ? ScriptedUpstream.WriteChatChunksAsync(http, ScriptedUpstream.ChatTextChunks("router ok"))
                    : ScriptedUpstream.WriteJsonAsync(http, 200, ScriptedUpstream.ChatCompletion("router ok")));
                break;
        }
    }
}
