using System.Text.Json;

namespace GenAiRouter.Clients.Tests;

/// <summary>
/// The Anthropic TypeScript SDK (npm <c>@anthropic-ai/sdk</c>, which sends its key as a Bearer token and API version
/// 2026-10-21) against the Messages door, parsing what the router sends with its own types and stream assembly: a
/// Messages target natively, Responses and chat targets translated.
/// </summary>
[Collection(ClientMatrix.Name)]
public sealed class AnthropicSdkTests(ClientMatrixRouter matrix)
{
    [Theory]
    [InlineData(ClientMatrixRouter.MessagesGroup)]
    [InlineData(ClientMatrixRouter.ResponsesGroup)]
    [InlineData(ClientMatrixRouter.ChatGroup)]
    public async Task A_message_comes_back_whole_with_its_usage_and_is_metered(string group)
    {
        var before = await matrix.UsageAsync(group);

        var result = await RunAsync("text", group);

        Assert.Equal((AgentModel.Greeting, "end_turn"), (result.GetProperty("text").GetString(), result.GetProperty("stop").GetString()));
        var usage = result.GetProperty("usage");
        Assert.True(usage.GetProperty("input_tokens").GetInt64() > 0);
        var after = await matrix.UsageAfterAsync(group, before);
        Assert.Equal(before.Requests + 1, after.Requests);
        Assert.Equal(usage.GetProperty("output_tokens").GetInt64(), after.OutputTokens - before.OutputTokens);
        Assert.True(after.Cost > before.Cost, $"{before} -> {after}");
    }

    [Theory]
    [InlineData(ClientMatrixRouter.MessagesGroup)]
    [InlineData(ClientMatrixRouter.ResponsesGroup)]
    [InlineData(ClientMatrixRouter.ChatGroup)]
    public async Task A_stream_assembles_into_the_same_message(string group)
    {
        var result = await RunAsync("stream", group);

        Assert.Equal((AgentModel.Greeting, AgentModel.Greeting, "end_turn"), (result.GetProperty("deltas").GetString(), result.GetProperty("text").GetString(), result.GetProperty("stop").GetString()));
        Assert.True(result.GetProperty("usage").GetProperty("output_tokens").GetInt64() > 0);
    }

    [Theory]
    [InlineData(ClientMatrixRouter.MessagesGroup)]
    [InlineData(ClientMatrixRouter.ResponsesGroup)]
    public async Task Tool_use_with_thinking_round_trips_and_the_target_gets_its_own_reasoning_back(string group)
    {
        var model = matrix.ModelOf(group);
        model.WillCall("bash", """{"command":"ls"}""");
        model.Forget();

        var result = await RunAsync("tools", group);

        Assert.Equal("tool_use", result.GetProperty("stop").GetString());
        var call = result.GetProperty("call");
        Assert.Equal((AgentModel.CallId, "bash", "ls"), (call.GetProperty("id").GetString(), call.GetProperty("name").GetString(), call.GetProperty("input").GetProperty("command").GetString()));
        Assert.Equal((AgentModel.Thought, true), (result.GetProperty("thinking").GetProperty("text").GetString(), result.GetProperty("thinking").GetProperty("signed").GetBoolean()));
        Assert.Equal(AgentModel.FinalAnswer, result.GetProperty("text").GetString());
        var second = model.Received[^1].Body;
        Assert.Contains(group == ClientMatrixRouter.MessagesGroup ? "\"signature\":\"sig-upstream\"" : "\"encrypted_content\":\"enc-agent-upstream\"", second, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(ClientMatrixRouter.MessagesGroup, 42)]
    [InlineData(ClientMatrixRouter.ResponsesGroup, 0)]
    public async Task Count_tokens_answers_from_the_target_or_estimates(string group, int exact)
    {
        var result = await RunAsync("count", group);

        var tokens = result.GetProperty("input_tokens").GetInt32();
        Assert.True(exact > 0 ? tokens == exact : tokens is > 0 and < 100, $"{tokens} tokens");
    }

    [Fact]
    public async Task A_refusal_is_the_sdk_typed_error_with_anthropics_error_type()
    {
        var result = await RunAsync("error", ClientMatrixRouter.MessagesGroup);

        Assert.Equal((true, 404, "NotFoundError", "not_found_error"), (result.GetProperty("thrown").GetBoolean(), result.GetProperty("status").GetInt32(),
            result.GetProperty("type").GetString(), result.GetProperty("errorType").GetString()));
    }

    private async Task<JsonElement> RunAsync(string scenario, string group)
    {
        NpmClients.RequirePackage("@anthropic-ai/sdk");
        var run = await NpmClients.RunAsync("node", [Path.Combine(AppContext.BaseDirectory, "sdk", "anthropic-messages.mjs"), scenario],
            new Dictionary<string, string>
            {
                ["CLIENTS_DIR"] = NpmClients.InstallDirectory,
                ["ROUTER_ROOT_URL"] = matrix.BaseUrl[..^"/v1".Length],
                ["ROUTER_TOKEN"] = matrix.Token,
                ["GROUP"] = group,
            },
            AppContext.BaseDirectory, TimeSpan.FromMinutes(1));
        Assert.True(run.ExitCode == 0, run.ToString());
        return JsonDocument.Parse(run.Stdout).RootElement.Clone();
    }
}
