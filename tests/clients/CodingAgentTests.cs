namespace GenAiRouter.Clients.Tests;

/// <summary>
/// What every coding agent of the matrix is tested for, on each kind of target (chat, Responses, Messages): a one-shot
/// answer, and the tool loop in which the model asks for the agent's shell tool, the agent runs the command in its
/// workspace and sends the result back. A client's test class says how to run it and what its shell tool is.
/// </summary>
public abstract class CodingAgentTests(ClientMatrixRouter matrix) : IDisposable
{
    public static TheoryData<string> Groups => new(ClientMatrixRouter.ChatGroup, ClientMatrixRouter.ResponsesGroup, ClientMatrixRouter.MessagesGroup);

    protected ClientMatrixRouter Matrix => matrix;

    protected string Workspace { get; } = AgentChecks.NewWorkspace();

    /// <summary>The name of the client's shell tool, as it offers it to the model.</summary>
    protected abstract string ShellTool { get; }

    /// <summary>The shell tool's arguments (JSON) that run <see cref="AgentModel.Command"/>.</summary>
    protected abstract string ShellArguments { get; }

    /// <summary>Runs the client once on <paramref name="group"/>, allowed to run tools unattended when <paramref name="runTools"/>.</summary>
    protected abstract Task<ClientRun> RunAsync(string group, string prompt, bool runTools);

    [Theory]
    [MemberData(nameof(Groups), MemberType = typeof(CodingAgentTests))]
    public async Task Answers_a_one_shot_prompt(string group)
    {
        var model = matrix.ModelOf(group);
        model.Forget();

        var run = await RunAsync(group, AgentChecks.OneShotPrompt, runTools: false);

        AgentChecks.AnsweredOneShot(run, model);
    }

    [Theory]
    [MemberData(nameof(Groups), MemberType = typeof(CodingAgentTests))]
    public async Task Runs_the_shell_tool_the_model_asks_for_and_sends_its_result_back(string group)
    {
        var model = matrix.ModelOf(group);
        model.Forget();
        model.WillCall(ShellTool, ShellArguments);

        var run = await RunAsync(group, AgentChecks.ToolPrompt, runTools: true);

        AgentChecks.RanTheToolLoop(run, Workspace, model);
    }

    public void Dispose()
    {
        Directory.Delete(Workspace, recursive: true);
        GC.SuppressFinalize(this);
    }
}
