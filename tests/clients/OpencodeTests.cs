namespace GenAiRouter.Clients.Tests;

/// <summary>opencode (npm <c>opencode-ai</c>) with the router as an <c>@ai-sdk/openai-compatible</c> provider: Chat Completions.</summary>
[Collection(ClientMatrix.Name)]
public sealed class OpencodeChatTests(ClientMatrixRouter matrix) : OpencodeTests(matrix, "@ai-sdk/openai-compatible");

/// <summary>opencode with the router as an <c>@ai-sdk/openai</c> provider: Responses.</summary>
[Collection(ClientMatrix.Name)]
public sealed class OpencodeResponsesTests(ClientMatrixRouter matrix) : OpencodeTests(matrix, "@ai-sdk/openai");

/// <summary>opencode pointed at the router as the docs show, through the provider package it is given.</summary>
public abstract class OpencodeTests(ClientMatrixRouter matrix, string provider) : CodingAgentTests(matrix)
{
    protected override string ShellTool => "bash";

    protected override string ShellArguments => AgentModel.BashArguments;

    protected override async Task<ClientRun> RunAsync(string group, string prompt, bool runTools)
    {
        var opencode = NpmClients.Require("opencode", "opencode-ai");
        var config = Workspace + "-opencode.json";
        await File.WriteAllTextAsync(config, DocsSnippets.OpencodeConfig(Matrix, group, provider));
        try
        {
            return await NpmClients.RunAsync(opencode, ["run", .. runTools ? ["--auto"] : Array.Empty<string>(), "-m", $"metrum/{group}", prompt],
                new Dictionary<string, string>
                {
                    ["OPENCODE_CONFIG"] = config,
                    ["ROUTER_TOKEN"] = Matrix.Token,
                    ["OPENCODE_DISABLE_MODELS_FETCH"] = "1",
                    ["OPENCODE_DISABLE_AUTOUPDATE"] = "1",
                },
                Workspace, TimeSpan.FromMinutes(3));
        }
        finally
        {
            File.Delete(config);
        }
    }
}
