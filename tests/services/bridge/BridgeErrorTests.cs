using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace GenAiRouter.Bridge.Tests;

/// <summary>Bad input and misbehaving chat upstreams give a clear OpenAI-shaped error or a response.failed event, never a hang.</summary>
public sealed class BridgeErrorTests : IAsyncLifetime
{
    private const string ChatKey = "sk-chat-secret-key-42";
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };
    private ScriptedUpstream _chat = null!;
    private LocalRouter _router = null!;
    private string _token = "";

    public async ValueTask InitializeAsync()
    {
        _chat = await ScriptedUpstream.StartAsync();
        _chat.ChatReply = Script;
        _router = await LocalRouter.StartAsync($$"""
            bridge: { enabled: true }
            groups:
              chat:
                targets:
                  - { name: chat, api: chat, base_url: {{_chat.BaseUrl}}, model: m, api_key_env: CHAT_KEY, capabilities: [tools, streaming], responses_to_chat: { streaming: true } }
            """, new() { ["CHAT_KEY"] = ChatKey });
        _token = await _router.IssueTokenAsync("--groups", "chat");
    }

    [Theory]
    [InlineData("""{"model":"chat","input":[{"type":"computer_call","call_id":"c"}]}""", 400, "Input items of type 'computer_call' cannot be translated for a target of another protocol.")]
    [InlineData("""{"model":"chat","input":"hi","previous_response_id":"resp_1"}""", 400, "none has previous_response_id")]
    [InlineData("""{"model":"chat","input":"hi","tools":[{"type":"web_search"}]}""", 400, "none has hosted_tools")]
    [InlineData("""{"model":"chat","input":"html please"}""", 502, "No target of the model group 'chat' gave a usable answer: The target 'chat': its answer is not valid JSON")]
    [InlineData("""{"model":"chat","input":"bad request"}""", 400, "Your model name is wrong, key [redacted]")]
    public async Task Refusals_are_openai_shaped_with_the_right_status(string request, int status, string message)
    {
        using var response = await PostAsync(request);
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(status, (int)response.StatusCode);
        Assert.Contains(message, JsonDocument.Parse(body).RootElement.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain(ChatKey, body, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("garbage stream", "upstream_invalid_response")]
    [InlineData("cut stream", "upstream_incomplete")]
    public async Task A_stream_that_goes_wrong_ends_with_response_failed(string input, string code)
    {
        using var response = await PostAsync($$"""{"model":"chat","input":"{{input}}","stream":true}""");
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var last = body.Split("\n\n", StringSplitOptions.RemoveEmptyEntries)[^1];
        Assert.StartsWith("event: response.failed", last, StringComparison.Ordinal);
        Assert.Contains($"\"code\":\"{code}\"", last, StringComparison.Ordinal);
    }

    public async ValueTask DisposeAsync()
    {
        await _router.DisposeAsync();
        await _chat.DisposeAsync();
        _http.Dispose();
    }

    private async Task<HttpResponseMessage> PostAsync(string json)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_router.BaseUrl, "responses"))
        {
            Content = new StringContent(json, Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _token);
        return await _http.SendAsync(request);
    }

    private static async Task Script(HttpContext http, JsonElement request)
    {
        var user = request.GetProperty("messages").EnumerateArray().Last().GetProperty("content").GetString();
        switch (user)
        {
            case "html please":
                http.Response.ContentType = "text/html";
                await http.Response.WriteAsync("<html><body>502 Bad Gateway</body></html>");
                break;
            case "bad request":
                await ScriptedUpstream.WriteJsonAsync(http, 400, new { error = new { message = $"Your model name is wrong, key {ChatKey}", type = "invalid_request_error" } });
                break;
            case "garbage stream":
                http.Response.ContentType = "text/event-stream";
                await http.Response.WriteAsync("data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"ok\"}}]}\n\ndata: <html>oops</html>\n\n");
                break;
            case "cut stream":
                await ScriptedUpstream.WriteChatChunksAsync(http, ScriptedUpstream.ChatTextChunks("never finished").Take(2), done: false);
                break;
            default:
                await ScriptedUpstream.WriteChatChunksAsync(http, ScriptedUpstream.ChatTextChunks("fine"));
                break;
        }
    }
}
