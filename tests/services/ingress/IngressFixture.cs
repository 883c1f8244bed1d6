using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace GenAiRouter.Ingress.Tests;

/// <summary>
/// The router (via `genai-router up`) in front of three scripted upstreams. Upstream A acts on the request's
/// input text ("status:503", "hang", "partial-then-die"...), so each test scripts its own case.
/// </summary>
public sealed class IngressFixture : IAsyncLifetime
{
    public const string KeyA = "sk-upstream-a-0123456789secret";
    public const string KeyB = "sk-upstream-b-9876543210secret";

    public ScriptedUpstream A { get; private set; } = null!;
    public ScriptedUpstream B { get; private set; } = null!;
    public ScriptedUpstream Vision { get; private set; } = null!;
    public LocalRouter Router { get; private set; } = null!;
    public string Token { get; private set; } = "";

    /// <summary>Lets a test hold upstream A mid-stream ("slow-stream") and see whether the router cancelled it.</summary>
    public TaskCompletionSource Release { get; set; } = new();

    public TaskCompletionSource<bool> UpstreamCancelled { get; set; } = new();

    public async ValueTask InitializeAsync()
    {
        A = await ScriptedUpstream.StartAsync();
        B = await ScriptedUpstream.StartAsync();
        Vision = await ScriptedUpstream.StartAsync();
        A.Reply = ScriptA;
        B.Reply = (http, _) => ScriptedUpstream.WriteEventsAsync(http, ScriptedUpstream.TextEvents("from B"));
        Router = await LocalRouter.StartAsync($$"""
            limits: { max_body_mb: 1, first_byte_timeout: 2s, idle_timeout: 2s }
            groups:
              coder:
                reasoning: { levels: [low, high], default: low }
                targets:
                  - { name: a, api: responses, base_url: {{A.BaseUrl}}, model: upstream-a, api_key_env: KEY_A, priority: 1, capabilities: [tools, hosted_tools, reasoning, streaming] }
                  - { name: b, api: responses, base_url: {{B.BaseUrl}}, model: upstream-b, api_key_env: KEY_B, priority: 2, capabilities: [tools, hosted_tools, reasoning, streaming] }
              failover:
                targets:
                  - { name: dead, api: responses, base_url: http://127.0.0.1:1/v1, model: m, priority: 1, capabilities: [streaming] }
                  - { name: a-failover, api: responses, base_url: {{A.BaseUrl}}, model: upstream-a, api_key_env: KEY_A, priority: 2, capabilities: [streaming] }
                  - { name: b-failover, api: responses, base_url: {{B.BaseUrl}}, model: upstream-b, api_key_env: KEY_B, priority: 3, capabilities: [streaming] }
              single:
                targets:
                  - { name: a-single, api: responses, base_url: {{A.BaseUrl}}, model: upstream-a, api_key_env: KEY_A, capabilities: [streaming] }
              dead-only:
                targets:
                  - { name: dead-only, api: responses, base_url: http://127.0.0.1:1/v1, model: m, capabilities: [streaming] }
              vision:
                targets:
                  - { name: v, api: responses, base_url: {{Vision.BaseUrl}}, model: upstream-v, capabilities: [tools, images, streaming, hosted_tools] }
              cached:
                cache: { ttl: 1m, max_entry_kb: 1 }
                targets:
                  - { name: a-cached, api: responses, base_url: {{A.BaseUrl}}, model: upstream-a, api_key_env: KEY_A, capabilities: [tools, images, streaming, previous_response_id], prices: { input_per_mtok: 1000, output_per_mtok: 1000 } }
              text-only:
                targets:
                  - { name: t, api: responses, base_url: {{B.BaseUrl}}, model: m }
            """, new() { ["KEY_A"] = KeyA, ["KEY_B"] = KeyB });
        Token = await Router.IssueTokenAsync("--groups", "coder,failover,single,dead-only,vision,cached", "--reasoning", "coder");
    }

    public async ValueTask DisposeAsync()
    {
        await Router.DisposeAsync();
        await A.DisposeAsync();
        await B.DisposeAsync();
        await Vision.DisposeAsync();
    }

    private async Task ScriptA(HttpContext http, JsonElement request)
    {
        var input = request.TryGetProperty("input", out var i) && i.ValueKind == JsonValueKind.String ? i.GetString() : "";
        switch (input)
        {
            case "status:503":
                await ScriptedUpstream.WriteJsonAsync(http, 503, new { error = new { message = "overloaded", type = "server_error" } });
                break;
            case "status:429":
                http.Response.Headers.RetryAfter = "7";
                await ScriptedUpstream.WriteJsonAsync(http, 429, new { error = new { message = "slow down", type = "rate_limit_error" } });
                break;
            case "status:400-leak":
                await ScriptedUpstream.WriteJsonAsync(http, 400, new { error = new { message = $"Incorrect API key provided: {KeyA}", type = "invalid_request_error", code = "invalid_api_key" } });
                break;
            case "hang":
                await Task.Delay(TimeSpan.FromSeconds(10), http.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
                break;
            case "partial-then-die":
                // Promise far more than is sent, so the body is cut short, not ended; and let the sent events
                // be read before the connection drops (a reset can discard data not yet read).
                http.Response.ContentLength = 1_000_000;
                await ScriptedUpstream.WriteEventsAsync(http, ScriptedUpstream.TextEvents("partial").Take(2));
                await Task.Delay(300);
                http.Abort();
                break;
            case "stall":
                await ScriptedUpstream.WriteEventsAsync(http, ScriptedUpstream.TextEvents("stalling").Take(1));
                await Task.Delay(TimeSpan.FromSeconds(10), http.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
                break;
            case "slow-stream":
                var events = ScriptedUpstream.TextEvents("slow");
                await ScriptedUpstream.WriteEventsAsync(http, events.Take(1));
                try
                {
                    await Release.Task.WaitAsync(http.RequestAborted);
                    await ScriptedUpstream.WriteEventsAsync(http, events.Skip(1));
                    UpstreamCancelled.TrySetResult(false);
                }
                catch (OperationCanceledException)
                {
                    UpstreamCancelled.TrySetResult(true);
                }
                break;
            case { } text when text.StartsWith("big:", StringComparison.Ordinal):
                await ScriptedUpstream.WriteJsonAsync(http, 200, ScriptedUpstream.CompletedResponse(new string('x', 4096)));
                break;
            case { } text when text.StartsWith("incomplete:", StringComparison.Ordinal):
                await http.Response.WriteAsJsonAsync(new { id = "resp_i", @object = "response", created_at = 1764000000, status = "incomplete", output = Array.Empty<object>() });
                break;
            default:
                await (request.TryGetProperty("stream", out var s) && s.ValueKind == JsonValueKind.True
                    ? ScriptedUpstream.WriteEventsAsync(http, ScriptedUpstream.TextEvents("from A"))
                    : ScriptedUpstream.WriteJsonAsync(http, 200, ScriptedUpstream.CompletedResponse("from A")));
                break;
        }
    }
}
