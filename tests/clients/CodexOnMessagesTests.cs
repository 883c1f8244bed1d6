using System.Text.Json;

namespace GenAiRouter.Clients.Tests;

/// <summary>
/// Codex CLI through a group whose only target is an Anthropic Messages model: its Responses requests translated to
/// Messages (its hosted tools left out, as that target allows), the answers translated back, its catalog from the router.
/// </summary>
[Collection(ClientMatrix.Name)]
public sealed class CodexOnMessagesTests(ClientMatrixRouter matrix) : IDisposable
{
    private readonly string _workspace = AgentChecks.NewWorkspace();

    [Fact]
    public async Task Codex_gets_a_one_shot_answer_from_a_messages_target()
    {
        CodexCli.Require();
        matrix.MessagesModel.Forget();

        var (exit, stdout, stderr) = await CodexCli.ExecAsync(new Uri(matrix.BaseUrl + "/"), matrix.Token, ClientMatrixRouter.MessagesGroup, AgentChecks.OneShotPrompt, _workspace);

        AgentChecks.AnsweredOneShot(new ClientRun(exit, stdout, stderr), matrix.MessagesModel);
        var sent = matrix.MessagesModel.Received[^1].Json;
        Assert.Equal("upstream-claude", sent.GetProperty("model").GetString());
        Assert.True(sent.GetProperty("max_tokens").GetInt64() > 0);
    }

    [Fact]
    public async Task Codex_runs_the_shell_tool_a_messages_target_asks_for_and_sends_its_result_back()
    {
        CodexCli.Require();
        matrix.MessagesModel.Forget();
        matrix.MessagesModel.WillCall("exec_command", $$"""{"cmd":{{JsonSerializer.Serialize(AgentModel.Command)}}}""");

        var (exit, stdout, stderr) = await CodexCli.ExecAsync(new Uri(matrix.BaseUrl + "/"), matrix.Token, ClientMatrixRouter.MessagesGroup, AgentChecks.ToolPrompt, _workspace,
            "--dangerously-bypass-approvals-and-sandbox", "-C", _workspace);

        AgentChecks.RanTheToolLoop(new ClientRun(exit, stdout, stderr), _workspace, matrix.MessagesModel);
        // The thinking the target signed went back to it with the tool result.
        var assistant = matrix.MessagesModel.Received[^1].Json.GetProperty("messages").EnumerateArray().Single(m => m.GetProperty("role").GetString() == "assistant");
        Assert.Equal("thinking", assistant.GetProperty("content")[0].GetProperty("type").GetString());
    }

    public void Dispose() => Directory.Delete(_workspace, recursive: true);
}
