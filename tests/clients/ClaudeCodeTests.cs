namespace GenAiRouter.Clients.Tests;

/// <summary>
/// Claude Code (npm <c>@anthropic-ai/claude-code</c>) with <c>ANTHROPIC_BASE_URL</c> at the router: the Messages door,
/// against a Messages target (natively), a Responses target and a chat target (translated), with the caller token as
/// <c>x-api-key</c> (ANTHROPIC_API_KEY) and as a Bearer token (ANTHROPIC_AUTH_TOKEN).
/// </summary>
[Collection(ClientMatrix.Name)]
public sealed class ClaudeCodeTests(ClientMatrixRouter matrix) : IDisposable
{
    private readonly string _workspace = AgentChecks.NewWorkspace();

    [Theory]
    [InlineData(ClientMatrixRouter.MessagesGroup, "ANTHROPIC_API_KEY")]
    [InlineData(ClientMatrixRouter.MessagesGroup, "ANTHROPIC_AUTH_TOKEN")]
    [InlineData(ClientMatrixRouter.ResponsesGroup, "ANTHROPIC_API_KEY")]
    [InlineData(ClientMatrixRouter.ChatGroup, "ANTHROPIC_AUTH_TOKEN")]
    public async Task Answers_a_one_shot_prompt(string group, string tokenVariable)
    {
        var model = matrix.ModelOf(group);
        model.Forget();

        var run = await RunAsync(group, tokenVariable, AgentChecks.OneShotPrompt);

        AgentChecks.AnsweredOneShot(run, model);
    }

    [Theory]
    [InlineData(ClientMatrixRouter.MessagesGroup, "ANTHROPIC_API_KEY")]
    [InlineData(ClientMatrixRouter.ResponsesGroup, "ANTHROPIC_AUTH_TOKEN")]
    [InlineData(ClientMatrixRouter.ChatGroup, "ANTHROPIC_API_KEY")]
    public async Task Runs_the_shell_tool_the_model_asks_for_and_sends_its_result_back(string group, string tokenVariable)
    {
        var model = matrix.ModelOf(group);
        model.Forget();
        model.WillCall("Bash", $$"""{"command":{{System.Text.Json.JsonSerializer.Serialize(AgentModel.Command)}},"description":"Write hello.txt"}""");

        // As root, Claude Code runs tools unattended only in a sandbox it is told it is in.
        var run = await RunAsync(group, tokenVariable, AgentChecks.ToolPrompt, "--dangerously-skip-permissions");

        AgentChecks.RanTheToolLoop(run, _workspace, model);
    }

    private Task<ClientRun> RunAsync(string group, string tokenVariable, string prompt, params string[] flags)
    {
        // The docs' environment (Bearer); the docs say ANTHROPIC_API_KEY instead sends the token as x-api-key.
        var environment = DocsSnippets.Exports("claude-code.sh", matrix, group);
        environment.Remove("ANTHROPIC_AUTH_TOKEN");
        environment[tokenVariable] = matrix.Token;
        environment["IS_SANDBOX"] = "1";
        environment["DISABLE_TELEMETRY"] = "1";
        environment["DISABLE_AUTOUPDATER"] = "1";
        environment["DISABLE_ERROR_REPORTING"] = "1";
        return NpmClients.RunAsync(NpmClients.Require("claude", "@anthropic-ai/claude-code"), ["-p", .. flags, prompt], environment, _workspace, TimeSpan.FromMinutes(3));
    }

    public void Dispose() => Directory.Delete(_workspace, recursive: true);
}
