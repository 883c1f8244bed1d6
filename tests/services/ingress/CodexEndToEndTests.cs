using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace GenAiRouter.Ingress.Tests;

/// <summary>
/// The real Codex CLI against the router (started with `genai-router up`) and scripted native upstreams:
/// the one-shot reply, the tool loop, and an image that must reach only the image-capable target.
/// </summary>
public sealed class CodexEndToEndTests : IAsyncLifetime
{
    private ScriptedUpstream _coder = null!;
    private ScriptedUpstream _vision = null!;
    private LocalRouter _router = null!;
    private string _token = "";
    private readonly string _workdir = Directory.CreateTempSubdirectory("codex-work-").FullName;

    public async ValueTask InitializeAsync()
    {
        if (CodexCli.Path is null)
        {
            return; // each test says why it is skipped
        }
        _coder = await ScriptedUpstream.StartAsync();
        _vision = await ScriptedUpstream.StartAsync();
        _coder.Reply = ScriptCoder;
        _vision.Reply = (http, _) => ScriptedUpstream.WriteEventsAsync(http, ScriptedUpstream.TextEvents("a tiny image"));
        _router = await LocalRouter.StartAsync($$"""
            groups:
              big-coder:
                targets:
                  - { name: native, api: responses, base_url: {{_coder.BaseUrl}}, model: upstream-coder, api_key_env: CODER_KEY, capabilities: [tools, hosted_tools, reasoning, streaming] }
              vision:
                targets:
                  - { name: eyes, api: responses, base_url: {{_vision.BaseUrl}}, model: upstream-vision, capabilities: [tools, hosted_tools, images, streaming] }
                  - { name: blind, api: responses, base_url: {{_coder.BaseUrl}}, model: upstream-coder, priority: 1, capabilities: [tools, hosted_tools, streaming] }
            """, new() { ["CODER_KEY"] = "sk-coder-key" });
        _token = await _router.IssueTokenAsync("--groups", "big-coder,vision");
    }

    [Fact]
    public async Task Codex_gets_a_one_shot_reply_through_the_router()
    {
        CodexCli.Require();

        var (exit, stdout, stderr) = await CodexCli.ExecAsync(_router.BaseUrl, _token, "big-coder", "Reply with exactly: router codex ok", _workdir);

        Assert.True(exit == 0, stderr);
        Assert.Contains("router codex ok", stdout, StringComparison.Ordinal);
        var request = _coder.Received.Single().Json;
        Assert.Equal("upstream-coder", request.GetProperty("model").GetString());
        Assert.True(request.GetProperty("stream").GetBoolean());
        var toolTypes = request.GetProperty("tools").EnumerateArray().Select(t => t.GetProperty("type").GetString()).ToHashSet();
        Assert.Superset(new HashSet<string?> { "function", "namespace", "web_search" }, toolTypes);
    }

    [Fact]
    public async Task Codex_runs_the_tool_the_upstream_asks_for_and_sends_its_output_back()
    {
        CodexCli.Require();

        var (exit, stdout, stderr) = await CodexCli.ExecAsync(_router.BaseUrl, _token, "big-coder", "Please run the tool now", _workdir,
            "--dangerously-bypass-approvals-and-sandbox", "-C", _workdir);

        Assert.True(exit == 0, stderr);
        Assert.Equal("tool-loop-ok", (await File.ReadAllTextAsync(Path.Combine(_workdir, "proof.txt"))).Trim());
        Assert.Contains("tool loop done", stdout, StringComparison.Ordinal);
        var second = _coder.Received.Last().Json;
        var output = second.GetProperty("input").EnumerateArray().Single(i => i.GetProperty("type").GetString() == "function_call_output");
        Assert.Equal("call_exec_1", output.GetProperty("call_id").GetString());
    }

    [Fact]
    public async Task An_image_from_codex_reaches_only_the_image_capable_target()
    {
        CodexCli.Require();
        var image = Path.Combine(_workdir, "pixel.png");
        await File.WriteAllBytesAsync(image, TestImages.OnePixelPng);

        var (exit, stdout, stderr) = await CodexCli.ExecAsync(_router.BaseUrl, _token, "vision", "Describe this image", _workdir, "--image", image);

        Assert.True(exit == 0, stderr);
        Assert.Contains("a tiny image", stdout, StringComparison.Ordinal);
        Assert.Contains("input_image", _vision.Received.Single().Body, StringComparison.Ordinal);
        Assert.Empty(_coder.Received);
    }

    public async ValueTask DisposeAsync()
    {
        if (CodexCli.Path is not null)
        {
            await _router.DisposeAsync();
            await _coder.DisposeAsync();
            await _vision.DisposeAsync();
        }
        Directory.Delete(_workdir, recursive: true);
    }

    /// <summary>Asks for a shell command when told to run the tool; answers with text otherwise.</summary>
    private static Task ScriptCoder(HttpContext http, JsonElement request)
    {
        var input = request.GetProperty("input").EnumerateArray().ToList();
        if (input.Any(i => i.GetProperty("type").GetString() == "function_call_output"))
        {
            return ScriptedUpstream.WriteEventsAsync(http, ScriptedUpstream.TextEvents("tool loop done"));
        }
        var lastUser = input.Last(i => i.TryGetProperty("role", out var r) && r.GetString() == "user").GetRawText();
        return lastUser.Contains("run the tool", StringComparison.Ordinal)
            ? ScriptedUpstream.WriteEventsAsync(http, ScriptedUpstream.FunctionCallEvents("exec_command", """{"cmd":"echo tool-loop-ok > proof.txt"}""", "call_exec_1"))
            : ScriptedUpstream.WriteEventsAsync(http, ScriptedUpstream.TextEvents("router codex ok"));
    }
}
