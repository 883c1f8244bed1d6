namespace GenAiRouter.Clients.Tests;

/// <summary>Kilo Code's CLI (npm <c>@kilocode/cli</c>, an opencode fork) with the router as an <c>@ai-sdk/openai-compatible</c> provider: Chat Completions.</summary>
[Collection(ClientMatrix.Name)]
public sealed class KiloTests(ClientMatrixRouter matrix) : CodingAgentTests(matrix)
{
    protected override string ShellTool => "bash";

    protected override string ShellArguments => AgentModel.BashArguments;

    protected override async Task<ClientRun> RunAsync(string group, string prompt, bool runTools)
    {
        var kilo = NpmClients.Require("kilo", "@kilocode/cli");
        var config = Workspace + "-kilo.json";
        // The docs: opencode's file with Kilo's schema.
        await File.WriteAllTextAsync(config, DocsSnippets.OpencodeConfig(Matrix, group, "@ai-sdk/openai-compatible", "https://app.kilo.ai/config.json"));
        try
        {
            return await NpmClients.RunAsync(kilo, ["run", .. runTools ? ["--auto"] : Array.Empty<string>(), "-m", $"metrum/{group}", prompt],
                new Dictionary<string, string>
                {
                    ["KILO_CONFIG"] = config,
                    ["ROUTER_TOKEN"] = Matrix.Token,
                    ["KILO_DISABLE_MODELS_FETCH"] = "1",
                    ["KILO_DISABLE_AUTOUPDATE"] = "1",
                    ["KILO_TELEMETRY_LEVEL"] = "off",
                },
                Workspace, TimeSpan.FromMinutes(3));
        }
        finally
        {
            File.Delete(config);
        }
    }
}
