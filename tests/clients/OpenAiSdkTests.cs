using System.Text.Json;

namespace GenAiRouter.Clients.Tests;

/// <summary>
/// The OpenAI Node SDK (npm <c>openai</c>) against the Chat Completions door, parsing what the router sends with its own
/// types and stream assembly: against a chat target (relayed natively) and a Responses target (translated).
/// </summary>
[Collection(ClientMatrix.Name)]
public sealed class OpenAiSdkTests(ClientMatrixRouter matrix)
{
    [Theory]
    [InlineData(ClientMatrixRouter.ChatGroup)]
    [InlineData(ClientMatrixRouter.ResponsesGroup)]
    public async Task A_completion_comes_back_with_its_usage(string group)
    {
        var result = await RunAsync("text", group);

        Assert.Equal(AgentModel.Greeting, result.GetProperty("content").GetString());
        Assert.Equal("stop", result.GetProperty("finish").GetString());
        Assert.True(result.GetProperty("usage").GetProperty("prompt_tokens").GetInt64() > 0);
    }

    [Theory]
    [InlineData(ClientMatrixRouter.ChatGroup)]
    [InlineData(ClientMatrixRouter.ResponsesGroup)]
    public async Task A_stream_delivers_the_text_the_finish_reason_and_the_usage_chunk_asked_for(string group)
    {
        var result = await RunAsync("stream", group);

        Assert.Equal(AgentModel.Greeting, result.GetProperty("content").GetString());
        Assert.Equal("stop", result.GetProperty("finish").GetString());
        var usage = result.GetProperty("usage");
        Assert.True(usage.GetProperty("completion_tokens").GetInt64() > 0);
        Assert.Equal(usage.GetProperty("prompt_tokens").GetInt64() + usage.GetProperty("completion_tokens").GetInt64(), usage.GetProperty("total_tokens").GetInt64());
    }

    [Theory]
    [InlineData(ClientMatrixRouter.ChatGroup)]
    [InlineData(ClientMatrixRouter.ResponsesGroup)]
    public async Task A_streamed_tool_call_assembles_and_its_result_goes_back_under_the_same_id(string group)
    {
        var model = matrix.ModelOf(group);
        model.WillCall("bash", """{"command":"ls"}""");
        model.Forget();

        var result = await RunAsync("tools", group);

        Assert.Equal("tool_calls", result.GetProperty("finish").GetString());
        var call = result.GetProperty("call");
        Assert.Equal((AgentModel.CallId, "bash", "ls"), (call.GetProperty("id").GetString(), call.GetProperty("name").GetString(), call.GetProperty("arguments").GetProperty("command").GetString()));
        Assert.Equal(AgentModel.FinalAnswer, result.GetProperty("content").GetString());
        Assert.Contains(AgentModel.CallId, model.Received[^1].Body, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(ClientMatrixRouter.ChatGroup)]
    [InlineData(ClientMatrixRouter.ResponsesGroup)]
    public async Task A_json_schema_reaches_the_target_in_its_protocol_and_the_answer_parses(string group)
    {
        var model = matrix.ModelOf(group);
        model.Forget();

        var result = await RunAsync("json_schema", group);

        Assert.Equal("router chat ok", result.GetProperty("parsed").GetProperty("greeting").GetString());
        var sent = model.Received.Single().Json;
        var format = group == ClientMatrixRouter.ChatGroup ? sent.GetProperty("response_format") : sent.GetProperty("text").GetProperty("format");
        Assert.Equal("json_schema", format.GetProperty("type").GetString());
    }

    [Fact]
    public async Task Models_list_names_the_groups_the_token_may_use()
    {
        var result = await RunAsync("models", ClientMatrixRouter.ChatGroup);

        Assert.Equal([ClientMatrixRouter.ChatGroup, ClientMatrixRouter.MessagesGroup, ClientMatrixRouter.ResponsesGroup], result.GetProperty("ids").EnumerateArray().Select(i => i.GetString()).Order());
    }

    [Fact]
    public async Task A_refusal_is_the_sdk_typed_error_with_the_status_and_message()
    {
        var result = await RunAsync("error", ClientMatrixRouter.ChatGroup);

        Assert.True(result.GetProperty("thrown").GetBoolean());
        Assert.Equal(404, result.GetProperty("status").GetInt32());
        Assert.Equal("NotFoundError", result.GetProperty("type").GetString());
        Assert.Contains("no-such-group", result.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    /// <summary>
    /// Both target kinds meter a chat-door answer completely: the request, its tokens, its image and its cost, in the
    /// usage report a platform team reads.
    /// </summary>
    [Theory]
    [InlineData(ClientMatrixRouter.ChatGroup)]
    [InlineData(ClientMatrixRouter.ResponsesGroup)]
    [InlineData(ClientMatrixRouter.MessagesGroup)]
    public async Task Usage_of_an_answer_with_an_image_is_metered_whole(string group)
    {
        var before = await matrix.UsageAsync(group);

        var result = await RunAsync("image", group);

        Assert.Equal(AgentModel.Greeting, result.GetProperty("content").GetString());
        var after = await matrix.UsageAfterAsync(group, before);
        Assert.Equal(before.Requests + 1, after.Requests);
        Assert.Equal(before.Images + 1, after.Images);
        Assert.True(after.InputTokens > before.InputTokens && after.OutputTokens > before.OutputTokens, $"{before} -> {after}");
        Assert.True(after.Cost > before.Cost, $"{before} -> {after}");
    }

    private async Task<JsonElement> RunAsync(string scenario, string group)
    {
        NpmClients.RequirePackage("openai");
        var run = await NpmClients.RunAsync("node", [Path.Combine(AppContext.BaseDirectory, "sdk", "openai-chat.mjs"), scenario],
            new Dictionary<string, string>
            {
                ["CLIENTS_DIR"] = NpmClients.InstallDirectory,
                ["ROUTER_BASE_URL"] = matrix.BaseUrl,
                ["ROUTER_TOKEN"] = matrix.Token,
                ["GROUP"] = group,
            },
            AppContext.BaseDirectory, TimeSpan.FromMinutes(1));
        Assert.True(run.ExitCode == 0, run.ToString());
        return JsonDocument.Parse(run.Stdout).RootElement.Clone();
    }
}
