using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace GenAiRouter.Cli.Tests;

/// <summary>`genai-router validate target NAME` against scripted chat upstreams that can do more or less.</summary>
public sealed class ValidateTargetTests : IAsyncLifetime
{
    private readonly Dictionary<string, ScriptedUpstream> _upstreams = [];
    private string _config = "";
    private string _state = "";

    /// <summary>What a scripted chat server can do.</summary>
    private sealed record Abilities(bool StreamsToolArguments = true, bool Images = true, bool ReasoningParameter = true, bool JsonSchema = true, bool Tools = true);

    private static readonly Dictionary<string, Abilities> Servers = new()
    {
        ["capable"] = new(),
        ["no-tool-streaming"] = new(StreamsToolArguments: false),
        ["no-images"] = new(Images: false),
        ["no-reasoning-param"] = new(ReasoningParameter: false),
        ["broken-json-schema"] = new(JsonSchema: false),
        ["no-tools"] = new(Tools: false),
    };

    public async ValueTask InitializeAsync()
    {
        var targets = new List<string>();
        foreach (var (name, abilities) in Servers)
        {
            var upstream = await ScriptedUpstream.StartAsync();
            upstream.ChatReply = (http, request) => AnswerAsync(http, request, abilities);
            _upstreams[name] = upstream;
            targets.Add($"      - {{ name: {name}, api: chat, base_url: {upstream.BaseUrl}, model: probe-model, api_key_env: PROBE_KEY, reasoning: {{ levels: [low, high], param: reasoning_effort }} }}");
        }
        var dir = Directory.CreateTempSubdirectory("validate-target-").FullName;
        _state = Path.Combine(dir, "state");
        _config = Path.Combine(dir, "router.yaml");
        await File.WriteAllTextAsync(_config, "groups:\n  probed:\n    targets:\n" + string.Join("\n", targets) + "\n");
    }

    [Theory]
    [InlineData("capable", "tools, streaming, reasoning, images, structured_output", true, true, true, true)]
    [InlineData("no-tool-streaming", "tools, reasoning, images, structured_output", false, true, true, true)]
    [InlineData("no-images", "tools, streaming, reasoning, structured_output", true, true, false, true)]
    [InlineData("no-reasoning-param", "tools, streaming, images, structured_output", true, false, true, true)]
    [InlineData("broken-json-schema", "tools, streaming, reasoning, images", true, true, true, false)]
    [InlineData("no-tools", "streaming, reasoning, images, structured_output", true, true, true, true)]
    public async Task Prints_exactly_the_flags_the_target_proved_with_the_evidence(string target, string capabilities, bool streaming, bool reasoning, bool images, bool structured)
    {
        await using var cli = RouterProcess.Cli(new Dictionary<string, string> { ["PROBE_KEY"] = "sk-probe-secret-123", ["XDG_STATE_HOME"] = _state }, "validate", "target", target, "--config", _config);

        Assert.True(await cli.WaitForExitAsync(TimeSpan.FromMinutes(2)) == 0, cli.Stdout + cli.Stderr);
        var lines = cli.Stdout.Split('\n').Select(l => l.TrimEnd()).ToList();
        static string Flag(bool on) => on ? "true" : "false";
        var block = lines.SkipWhile(l => !l.StartsWith("capabilities:", StringComparison.Ordinal)).Take(8).ToList();
        Assert.Equal(
        [
            $"capabilities: [{capabilities}]",
            "responses_to_chat:",
            $"  streaming: {Flag(streaming)}",
            $"  reasoning: {Flag(reasoning)}",
            $"  images: {Flag(images)}",
            $"  structured_output: {Flag(structured)}",
            "  previous_response_id: false",
            "  drop_hosted_tools: false   # a policy, not an ability: set it to drop hosted tools instead of refusing them",
        ], block);
        // Each ability has its evidence in the table; the upstream key was sent and never printed.
        Assert.Contains(lines, l => l.StartsWith("tools ", StringComparison.Ordinal) && (target == "no-tools"
            ? l.Contains("no tool call in the answer", StringComparison.Ordinal)
            : l.Contains("2 call(s) to get_weather with JSON arguments, in parallel", StringComparison.Ordinal)));
        Assert.Contains(lines, l => l.StartsWith("previous_response_id ", StringComparison.Ordinal) && l.Contains("never for a chat target", StringComparison.Ordinal));
        Assert.All(_upstreams[target].Received, r => Assert.Equal("Bearer sk-probe-secret-123", r.Authorization));
        Assert.DoesNotContain("sk-probe-secret-123", cli.Stdout + cli.Stderr, StringComparison.Ordinal);
        if (!streaming)
        {
            Assert.Contains(lines, l => l.StartsWith("streaming ", StringComparison.Ordinal) && l.Contains("carried no tool call", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task A_target_that_does_not_answer_is_named_and_nothing_else_is_claimed()
    {
        var config = _config + ".down.yaml";
        await File.WriteAllTextAsync(config, "groups:\n  g:\n    targets:\n      - { name: down, api: chat, base_url: http://127.0.0.1:9/v1, model: m }\n      - { name: native, api: responses, base_url: http://127.0.0.1:9/v1, model: m }\n");

        await using var down = RouterProcess.Cli(new Dictionary<string, string> { ["XDG_STATE_HOME"] = _state }, "validate", "target", "down", "--config", config);
        Assert.Equal(1, await down.WaitForExitAsync(TimeSpan.FromMinutes(1)));
        Assert.Contains("does not answer a plain chat request", down.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("capabilities:", down.Stdout, StringComparison.Ordinal);

        await using var native = RouterProcess.Cli(new Dictionary<string, string> { ["XDG_STATE_HOME"] = _state }, "validate", "target", "native", "--config", config);
        Assert.Equal(2, await native.WaitForExitAsync(TimeSpan.FromMinutes(1)));
        Assert.Contains("is a responses target; validate target probes chat targets", native.Stderr, StringComparison.Ordinal);
    }

    private static Task AnswerAsync(HttpContext http, JsonElement request, Abilities abilities)
    {
        var stream = request.TryGetProperty("stream", out var s) && s.ValueKind == JsonValueKind.True;
        if (request.TryGetProperty("reasoning_effort", out _) && !abilities.ReasoningParameter)
        {
            return ScriptedUpstream.WriteJsonAsync(http, 400, new { error = new { message = "Unrecognized request argument supplied: reasoning_effort", type = "invalid_request_error" } });
        }
        if (request.TryGetProperty("tools", out _) && abilities.Tools)
        {
            if (stream)
            {
                return abilities.StreamsToolArguments
                    ? ScriptedUpstream.WriteChatChunksAsync(http, ScriptedUpstream.ChatToolCallChunks("get_weather", """{"city":"Paris"}"""))
                    : ScriptedUpstream.WriteChatChunksAsync(http, ScriptedUpstream.ChatTextChunks("I would call get_weather for Paris."));
            }
            return ScriptedUpstream.WriteJsonAsync(http, 200, new
            {
                id = "chatcmpl-probe", @object = "chat.completion", created = 1, model = "probe-model",
                choices = new[]
                {
                    new
                    {
                        index = 0, finish_reason = "tool_calls",
                        message = new
                        {
                            role = "assistant", content = (string?)null,
                            tool_calls = new[]
                            {
                                new { id = "call_1", type = "function", function = new { name = "get_weather", arguments = """{"city":"Paris"}""" } },
                                new { id = "call_2", type = "function", function = new { name = "get_weather", arguments = """{"city":"Rome"}""" } },
                            },
                        },
                    },
                },
            });
        }
        var last = request.GetProperty("messages").EnumerateArray().Last().GetProperty("content");
        var text = last.ValueKind == JsonValueKind.Array && last.EnumerateArray().Any(p => p.GetProperty("type").GetString() == "image_url")
            ? abilities.Images ? "Blue Harbor Cafe" : "I see no image."
            : request.TryGetProperty("response_format", out _) ? abilities.JsonSchema ? """{"greeting":"hello"}""" : "Hello there!"
            : request.TryGetProperty("reasoning_effort", out _) ? "51"
            : "ROUTER-PROBE";
        return stream ? ScriptedUpstream.WriteChatChunksAsync(http, ScriptedUpstream.ChatTextChunks(text)) : ScriptedUpstream.WriteJsonAsync(http, 200, ScriptedUpstream.ChatCompletion(text));
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var upstream in _upstreams.Values)
        {
            await upstream.DisposeAsync();
        }
    }
}
