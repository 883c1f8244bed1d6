using System.Text.Json;

namespace GenAiRouter.Clients.Tests;

/// <summary>
/// Qwen Code (npm <c>@qwen-code/qwen-code</c>) with its OpenAI settings in the environment: Chat Completions, with
/// user and tool content as arrays of parts, against a chat target and a Responses target.
/// </summary>
[Collection(ClientMatrix.Name)]
public sealed class QwenCodeTests(ClientMatrixRouter matrix) : IDisposable
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
        model.WillCall("run_shell_command", $$"""{"command":{{JsonSerializer.Serialize(AgentModel.Command)}},"is_background":false,"description":"Write hello.txt"}""");

        // --yolo: without it, a non-interactive Qwen Code does not offer its shell tool at all.
        var run = await RunAsync(group, AgentChecks.ToolPrompt, "--yolo");

        AgentChecks.RanTheToolLoop(run, _workspace, model);
    }

    private Task<ClientRun> RunAsync(string group, string prompt, params string[] flags) =>
        NpmClients.RunAsync(NpmClients.Require("qwen", "@qwen-code/qwen-code"), ["--auth-type", "openai", .. flags, prompt],
            new Dictionary<string, string>
            {
                ["OPENAI_BASE_URL"] = matrix.BaseUrl,
                ["OPENAI_API_KEY"] = matrix.Token,
                ["OPENAI_MODEL"] = group,
            },
            _workspace, TimeSpan.FromMinutes(3));

    public void Dispose() => Directory.Delete(_workspace, recursive: true);
}
