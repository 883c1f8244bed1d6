namespace GenAiRouter.Clients.Tests;

/// <summary>
/// opencode (npm <c>opencode-ai</c>) pointed at the router as the README shows: the <c>@ai-sdk/openai-compatible</c>
/// provider speaks Chat Completions, the <c>@ai-sdk/openai</c> provider speaks Responses; each against a chat target
/// and a Responses target.
/// </summary>
[Collection(ClientMatrix.Name)]
public sealed class OpencodeTests(ClientMatrixRouter matrix) : IDisposable
{
    private readonly string _workspace = AgentChecks.NewWorkspace();

    [Theory]
    [InlineData("@ai-sdk/openai-compatible", ClientMatrixRouter.ChatGroup)]
    [InlineData("@ai-sdk/openai-compatible", ClientMatrixRouter.ResponsesGroup)]
    [InlineData("@ai-sdk/openai", ClientMatrixRouter.ResponsesGroup)]
    public async Task Answers_a_one_shot_prompt(string provider, string group)
    {
        var model = matrix.ModelOf(group);
        model.Forget();

        var run = await RunAsync(provider, group, AgentChecks.OneShotPrompt);

        AgentChecks.AnsweredOneShot(run, model);
    }

    [Theory]
    [InlineData("@ai-sdk/openai-compatible", ClientMatrixRouter.ChatGroup)]
    [InlineData("@ai-sdk/openai-compatible", ClientMatrixRouter.ResponsesGroup)]
    [InlineData("@ai-sdk/openai", ClientMatrixRouter.ResponsesGroup)]
    [InlineData("@ai-sdk/openai", ClientMatrixRouter.ChatGroup)]
    public async Task Runs_the_shell_tool_the_model_asks_for_and_sends_its_result_back(string provider, string group)
    {
        var model = matrix.ModelOf(group);
        model.Forget();
        model.WillCall("bash", OpencodeConfig.BashArguments);

        var run = await RunAsync(provider, group, AgentChecks.ToolPrompt, "--auto");

        AgentChecks.RanTheToolLoop(run, _workspace, model);
    }

    private async Task<ClientRun> RunAsync(string provider, string group, string prompt, params string[] flags)
    {
        var opencode = NpmClients.Require("opencode", "opencode-ai");
        var config = _workspace + "-opencode.json";
        await File.WriteAllTextAsync(config, OpencodeConfig.Json("https://opencode.ai/config.json", provider, matrix.BaseUrl, group));
        try
        {
            return await NpmClients.RunAsync(opencode, ["run", .. flags, "-m", $"metrum/{group}", prompt],
                new Dictionary<string, string>
                {
                    ["OPENCODE_CONFIG"] = config,
                    ["METRUM_API_KEY"] = matrix.Token,
                    ["OPENCODE_DISABLE_MODELS_FETCH"] = "1",
                    ["OPENCODE_DISABLE_AUTOUPDATE"] = "1",
                },
                _workspace, TimeSpan.FromMinutes(3));
        }
        finally
        {
            File.Delete(config);
        }
    }

    public void Dispose() => Directory.Delete(_workspace, recursive: true);
}
