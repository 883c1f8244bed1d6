using System.Text.Json;

namespace GenAiRouter.Clients.Tests;

/// <summary>Qwen Code (npm <c>@qwen-code/qwen-code</c>) with the OpenAI settings the docs export: Chat Completions, with user and tool content as arrays of parts.</summary>
[Collection(ClientMatrix.Name)]
public sealed class QwenCodeTests(ClientMatrixRouter matrix) : CodingAgentTests(matrix)
{
    protected override string ShellTool => "run_shell_command";

    protected override string ShellArguments => $$"""{"command":{{JsonSerializer.Serialize(AgentModel.Command)}},"is_background":false,"description":"Write hello.txt"}""";

    // --yolo: without it, a non-interactive Qwen Code does not offer its shell tool at all.
    protected override Task<ClientRun> RunAsync(string group, string prompt, bool runTools) =>
        NpmClients.RunAsync(NpmClients.Require("qwen", "@qwen-code/qwen-code"), ["--auth-type", "openai", .. runTools ? ["--yolo"] : Array.Empty<string>(), prompt],
            DocsSnippets.Exports("qwen-code.sh", Matrix, group),
            Workspace, TimeSpan.FromMinutes(3));
}
