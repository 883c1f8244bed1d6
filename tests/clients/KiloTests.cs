namespace GenAiRouter.Clients.Tests;

/// <summary>Kilo Code's CLI (npm <c>@kilocode/cli</c>, an opencode fork) with the router as an <c>@ai-sdk/openai-compatible</c> provider: Chat Completions.</summary>
[Collection(ClientMatrix.Name)]
public sealed class KiloTests(ClientMatrixRouter matrix) : CodingAgentTests(matrix)
{
    protected override string ShellTool => "bash";

    protected override string ShellArguments => OpencodeConfig.BashArguments;

    protected override async Task<ClientRun> RunAsync(string group, string prompt, bool runTools)
    {
        var kilo = NpmClients.Require("kilo", "@kilocode/cli");
        var config = Workspace + "-kilo.json";
        await File.WriteAllTextAsync(config, OpencodeConfig.Json("https://app.kilo.ai/config.json", "@ai-sdk/openai-compatible", Matrix.BaseUrl, group));
        try
        {
            return await NpmClients.RunAsync(kilo, ["run", .. runTools ? ["--auto"] : Array.Empty<string>(), "-m", $"metrum/{group}", prompt],
                new Dictionary<string, string>
                {
                    ["KILO_CONFIG"] = config,
                    ["METRUM_API_KEY"] = Matrix.Token,
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
