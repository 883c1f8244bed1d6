using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace GenAiRouter.Ingress.Tests;

/// <summary>
/// Codex 0.169.0 reading its model catalog from the router, and long agent sessions on groups of several upstream
/// accounts: a session stays on one target, and encrypted reasoning never reaches an account that cannot read it.
/// The scripted upstreams refuse encrypted content they did not make, as real accounts do.
/// </summary>
public sealed class CodexSessionTests : IAsyncLifetime
{
    private readonly string _workdir = Directory.CreateTempSubdirectory("codex-session-").FullName;
    private readonly Dictionary<string, ScriptedUpstream> _upstreams = [];
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };
    private LocalRouter _router = null!;
    private string _token = "";
    private int _firstToAnswer;

    public async ValueTask InitializeAsync()
    {
        if (CodexCli.Path is null)
        {
            return; // each test says why it is skipped
        }
        foreach (var name in new[] { "a", "b", "c", "d", "text", "eyes" })
        {
            var upstream = await ScriptedUpstream.StartAsync();
            upstream.Reply = Turns(name, upstream);
            _upstreams[name] = upstream;
        }
        _router = await LocalRouter.StartAsync($$"""
            groups:
              big-coder:
                description: Coding models on two accounts
                reasoning: { levels: [low, medium, high], default: medium }
                context_window: 200000
                targets:
                  - { name: a, api: responses, base_url: {{_upstreams["a"].BaseUrl}}, model: m, api_key_env: KEY_A, capabilities: [tools, hosted_tools, reasoning, streaming] }
                  - { name: b, api: responses, base_url: {{_upstreams["b"].BaseUrl}}, model: m, api_key_env: KEY_B, capabilities: [tools, hosted_tools, reasoning, streaming] }
              failover-coder:
                reasoning: { levels: [low, medium, high], default: medium }
                targets:
                  - { name: c, api: responses, base_url: {{_upstreams["c"].BaseUrl}}, model: m, api_key_env: KEY_A, capabilities: [tools, hosted_tools, reasoning, streaming] }
                  - { name: d, api: responses, base_url: {{_upstreams["d"].BaseUrl}}, model: m, api_key_env: KEY_B, capabilities: [tools, hosted_tools, reasoning, streaming] }
              quick:
                targets:
                  - { name: text, api: responses, base_url: {{_upstreams["text"].BaseUrl}}, model: m, context_window: 64000, capabilities: [tools, hosted_tools, streaming] }
              looker:
                targets:
                  - { name: text-first, api: responses, base_url: {{_upstreams["text"].BaseUrl}}, model: m, priority: 1, capabilities: [tools, streaming] }
                  - { name: eyes, api: responses, base_url: {{_upstreams["eyes"].BaseUrl}}, model: m, priority: 2, capabilities: [tools, images, streaming] }
              hidden:
                targets:
                  - { name: h, api: responses, base_url: {{_upstreams["text"].BaseUrl}}, model: m }
            """, new() { ["KEY_A"] = "sk-account-a", ["KEY_B"] = "sk-account-b" });
        _token = await _router.IssueTokenAsync("--groups", "big-coder,failover-coder,quick,looker", "--reasoning", "big-coder,failover-coder");
    }

    [Fact]
    public async Task Codex_reads_its_catalog_from_the_router_and_sends_the_groups_default_reasoning()
    {
        CodexCli.Require();

        var (exit, stdout, stderr) = await CodexCli.ExecAsync(_router.BaseUrl, _token, "quick", "Reply with exactly: router codex ok", _workdir);
        Assert.True(exit == 0, stderr);
        Assert.Contains("router codex ok", stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("Model metadata", stdout + stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("fallback", stdout + stderr, StringComparison.OrdinalIgnoreCase);

        (exit, _, stderr) = await CodexCli.ExecAsync(_router.BaseUrl, _token, "big-coder", "Reply with exactly: router codex ok", _workdir);
        Assert.True(exit == 0, stderr);
        var sent = _upstreams["a"].Received.Concat(_upstreams["b"].Received).Single().Json;
        Assert.Equal("medium", sent.GetProperty("reasoning").GetProperty("effort").GetString());
        // The group's prompt (the router's own coding-agent prompt) is Codex's first developer message.
        Assert.Contains("software engineering agent", sent.GetProperty("input")[0].GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Codex_debug_models_shows_exactly_the_tokens_groups_their_reasoning_and_context_windows()
    {
        CodexCli.Require();

        var (exit, stdout, stderr) = await CodexCli.DebugModelsAsync(_router.BaseUrl, _token, "quick", _workdir);

        Assert.True(exit == 0, stderr);
        var models = JsonDocument.Parse(stdout).RootElement.GetProperty("models").EnumerateArray().ToDictionary(m => m.GetProperty("slug").GetString()!);
        Assert.Equal(["big-coder", "failover-coder", "looker", "quick"], models.Keys.Order());
        Assert.Equal(["low", "medium", "high"], models["big-coder"].GetProperty("supported_reasoning_levels").EnumerateArray().Select(l => l.GetProperty("effort").GetString()));
        Assert.Equal("medium", models["big-coder"].GetProperty("default_reasoning_level").GetString());
        Assert.Empty(models["quick"].GetProperty("supported_reasoning_levels").EnumerateArray());
        Assert.Equal(200000, models["big-coder"].GetProperty("context_window").GetInt64());
        Assert.Equal(64000, models["quick"].GetProperty("context_window").GetInt64());
    }

    [Fact]
    public async Task A_three_turn_codex_tool_session_stays_on_one_of_two_equal_targets()
    {
        CodexCli.Require();

        var (exit, stdout, stderr) = await CodexCli.ExecAsync(_router.BaseUrl, _token, "big-coder", "Run the three steps", _workdir,
            "--dangerously-bypass-approvals-and-sandbox", "-C", _workdir);

        Assert.True(exit == 0, stderr);
        Assert.Contains("session done", stdout, StringComparison.Ordinal);
        var (a, b) = (_upstreams["a"].Received.Count, _upstreams["b"].Received.Count);
        Assert.True((a, b) is (3, 0) or (0, 3), $"turns went to a: {a}, b: {b}");
        var served = a == 3 ? "a" : "b";
        // Each later turn carried this account's own reasoning back, unsealed.
        var last = _upstreams[served].Received.Last().Json.GetProperty("input").EnumerateArray()
            .Where(i => i.TryGetProperty("encrypted_content", out _)).Select(i => i.GetProperty("encrypted_content").GetString()).ToList();
        Assert.Equal([$"enc:{served}:0", $"enc:{served}:1"], last);
    }

    [Fact]
    public async Task When_the_sessions_target_goes_away_the_session_moves_and_foreign_reasoning_is_left_out()
    {
        CodexCli.Require();

        var (exit, stdout, stderr) = await CodexCli.ExecAsync(_router.BaseUrl, _token, "failover-coder", "Run the three steps", _workdir,
            "--dangerously-bypass-approvals-and-sandbox", "-C", _workdir);

        Assert.True(exit == 0, stderr);
        Assert.Contains("session done", stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("invalid_encrypted_content", stdout + stderr, StringComparison.Ordinal);
        var first = _firstToAnswer == 1 ? "c" : "d";
        var other = first == "c" ? "d" : "c";
        Assert.Single(_upstreams[first].Received);
        Assert.Equal(2, _upstreams[other].Received.Count);
        Assert.All(_upstreams[other].Received, r => Assert.DoesNotContain($"enc:{first}:", r.Body, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_conversation_that_once_carried_an_image_goes_only_to_image_capable_targets()
    {
        CodexCli.Require();
        var turn = """
            {"model":"looker","input":[
              {"role":"user","content":[{"type":"input_text","text":"what is this?"},{"type":"input_image","image_url":"data:image/png;base64,iVBORw0KGgo="}]},
              {"role":"assistant","content":[{"type":"output_text","text":"a cat"}]},
              {"role":"user","content":"and what colour is it?"}]}
            """;

        using var withImage = await PostAsync(turn);
        using var textOnly = await PostAsync("""{"model":"looker","input":"just text"}""");

        Assert.Equal("eyes", withImage.Headers.GetValues("x-router-target").Single());
        Assert.Equal("text-first", textOnly.Headers.GetValues("x-router-target").Single());
        Assert.DoesNotContain(_upstreams["text"].Received, r => r.Body.Contains("input_image", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_catalog_has_an_etag_that_answers_304_and_every_answer_names_it()
    {
        CodexCli.Require();
        using var models = new HttpRequestMessage(HttpMethod.Get, new Uri(_router.BaseUrl, "models"));
        models.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _token);
        using var listed = await _http.SendAsync(models);
        var etag = listed.Headers.ETag!.ToString();

        using var again = new HttpRequestMessage(HttpMethod.Get, new Uri(_router.BaseUrl, "models"));
        again.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _token);
        again.Headers.IfNoneMatch.Add(EntityTagHeaderValue.Parse(etag));
        using var unchanged = await _http.SendAsync(again);
        using var answer = await PostAsync("""{"model":"quick","input":"hi"}""");
        var narrower = await _router.IssueTokenAsync("--groups", "quick");
        using var other = new HttpRequestMessage(HttpMethod.Get, new Uri(_router.BaseUrl, "models"));
        other.Headers.Authorization = new AuthenticationHeaderValue("Bearer", narrower);
        using var otherView = await _http.SendAsync(other);

        Assert.Equal(HttpStatusCode.NotModified, unchanged.StatusCode);
        Assert.Equal(etag, answer.Headers.GetValues("x-models-etag").Single());
        Assert.NotEqual(etag, otherView.Headers.ETag!.ToString());
        Assert.DoesNotContain("hidden", await listed.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_websocket_attempt_is_refused_at_once_so_clients_use_http()
    {
        CodexCli.Require();
        using var upgrade = new HttpRequestMessage(HttpMethod.Get, new Uri(_router.BaseUrl, "responses"));
        upgrade.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _token);
        upgrade.Headers.Connection.Add("Upgrade");
        upgrade.Headers.Upgrade.Add(new ProductHeaderValue("websocket"));
        var watch = Stopwatch.StartNew();
        using var refused = await _http.SendAsync(upgrade);
        Assert.Equal((HttpStatusCode)426, refused.StatusCode);
        Assert.Equal("websocket_not_supported", JsonDocument.Parse(await refused.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetProperty("code").GetString());

        var (exit, stdout, stderr) = await CodexCli.ExecAsync(_router.BaseUrl, _token, "quick", "Reply with exactly: router codex ok", _workdir,
            "-c", "model_providers.metrum-router.supports_websockets=true");

        Assert.True(exit == 0, stderr);
        Assert.Contains("router codex ok", stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("Reconnecting", stderr, StringComparison.Ordinal);
        Assert.InRange(watch.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(30));
    }

    public async ValueTask DisposeAsync()
    {
        if (CodexCli.Path is not null)
        {
            await _router.DisposeAsync();
            foreach (var upstream in _upstreams.Values)
            {
                await upstream.DisposeAsync();
            }
        }
        _http.Dispose();
        Directory.Delete(_workdir, recursive: true);
    }

    private async Task<HttpResponseMessage> PostAsync(string json)
    {
        using var request = RouterHttp.Responses(_router.BaseUrl, _token, json);
        return await _http.SendAsync(request);
    }

    /// <summary>
    /// An upstream account's side of a three-step tool session: it refuses reasoning it did not encrypt; the failover
    /// pair's first one to answer goes away after its first turn.
    /// </summary>
    private Func<HttpContext, JsonElement, Task> Turns(string name, ScriptedUpstream self) => async (http, request) =>
    {
        var input = request.TryGetProperty("input", out var i) && i.ValueKind == JsonValueKind.Array ? i.EnumerateArray().ToList() : [];
        if (input.Any(item => item.TryGetProperty("encrypted_content", out var e) && e.GetString()?.StartsWith($"enc:{name}:", StringComparison.Ordinal) != true))
        {
            await ScriptedUpstream.WriteJsonAsync(http, 400, new { error = new { message = "The encrypted content could not be verified.", type = "invalid_request_error", code = "invalid_encrypted_content" } });
            return;
        }
        var step = input.Count(item => item.TryGetProperty("type", out var t) && t.GetString() == "function_call_output");
        var lastUser = string.Concat(input.Where(item => item.TryGetProperty("role", out var r) && r.GetString() == "user").TakeLast(1).Select(item => item.GetRawText()));
        if (!lastUser.Contains("three steps", StringComparison.Ordinal))
        {
            await (request.TryGetProperty("stream", out var stream) && stream.ValueKind == JsonValueKind.True
                ? ScriptedUpstream.WriteEventsAsync(http, ScriptedUpstream.TextEvents("router codex ok"))
                : ScriptedUpstream.WriteJsonAsync(http, 200, ScriptedUpstream.CompletedResponse("router codex ok")));
            return;
        }
        await ScriptedUpstream.WriteEventsAsync(http, step < 2
            ? ScriptedUpstream.ReasoningTurnEvents($"enc:{name}:{step}", "exec_command", $$"""{"cmd":"echo step {{step}} > step{{step}}.txt"}""", $"call_{name}_{step}")
            : ScriptedUpstream.ReasoningTurnEvents($"enc:{name}:{step}", null, "session done"));
        if (name is "c" or "d" && Interlocked.CompareExchange(ref _firstToAnswer, name == "c" ? 1 : 2, 0) == 0)
        {
            http.Response.OnCompleted(() =>
            {
                _ = Task.Run(async () => await self.DisposeAsync());
                return Task.CompletedTask;
            });
        }
    };
}
