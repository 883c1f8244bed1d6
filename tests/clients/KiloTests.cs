namespace GenAiRouter.Clients.Tests;

/// <summary>
/// Kilo Code's CLI (npm <c>@kilocode/cli</c>, an opencode fork) with the router as an
/// <c>@ai-sdk/openai-compatible</c> provider: Chat Completions, against a chat target and a Responses target.
/// </summary>
[Collection(ClientMatrix.Name)]
public sealed class KiloTests(ClientMatrixRouter matrix) : IDisposable
{
    private readonly string _workspace = AgentChecks.NewWorkspace();

    [Theory]
    [InlineData(ClientMatrixRouter.ChatGroup)]
    [InlineData(ClientMatrixRouter.ResponsesGroup)]
    public async Task Answers_a_one_shot_prompt(string group)
    {
        var model = matrix.ModelOf(group);
        model.Forget();

        var run = await RunAsync(group, AgentChecks.OneShotPrompt);

        AgentChecks.AnsweredOneShot(run, model);
    }

    [Theory]
    [InlineData(ClientMatrixRouter.ChatGroup)]
    [InlineData(ClientMatrixRouter.ResponsesGroup)]
    public async Task Runs_the_shell_tool_the_model_asks_for_and_sends_its_result_back(string group)
    {
        var model = matrix.ModelOf(group);
        model.Forget();
        model.WillCall("bash", OpencodeConfig.BashArguments);

        var run = await RunAsync(group, AgentChecks.ToolPrompt, "--auto");

        AgentChecks.RanTheToolLoop(run, _workspace, model);
    }

    private async Task<ClientRun> RunAsync(string group, string prompt, params string[] flags)
    {
        var kilo = NpmClients.Require("kilo", "@kilocode/cli");
        var config = _workspace + "-kilo.json";
        await File.WriteAllTextAsync(config, OpencodeConfig.Json("https://app.kilo.ai/config.json", "@ai-sdk/openai-compatible", matrix.BaseUrl, group));
        try
        {
            return await NpmClients.RunAsync(kilo, ["run", .. flags, "-m", $"metrum/{group}", prompt],
                new Dictionary<string, string>
                {
                    ["KILO_CONFIG"] = config,
                    ["METRUM_API_KEY"] = matrix.Token,
                    ["KILO_DISABLE_MODELS_FETCH"] = "1",
                    ["KILO_DISABLE_AUTOUPDATE"] = "1",
                    ["KILO_TELEMETRY_LEVEL"] = "off",
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
