namespace GenAiRouter.TestSupport;

/// <summary>
/// The real Codex CLI (npm <c>@openai/codex@0.169.0</c>, one of the pinned clients in tests/clients/package.json), run
/// exactly as the README tells users to, against a router. CODEX_BIN overrides where it is looked for.
/// </summary>
public static class CodexCli
{
    public const string Version = "0.169.0";

    public static string? Path =>
        Environment.GetEnvironmentVariable("CODEX_BIN") is { } bin && File.Exists(bin) ? bin : NpmClients.Bin("codex");

    /// <summary>Skips the calling test, saying why, when the Codex CLI is not installed.</summary>
    public static string Require() => Path ?? NpmClients.Require("codex", $"@openai/codex@{Version}");

    /// <summary>
    /// `codex exec` with the router as its model provider, configured as the README shows: the group as the model, the
    /// caller token in METRUM_ROUTER_KEY, the Responses wire API and the router's /v1/models as the model catalog.
    /// </summary>
    public static Task<(int ExitCode, string Stdout, string Stderr)> ExecAsync(
        Uri routerBaseUrl, string token, string group, string prompt, string workdir, params string[] extraArgs) =>
        RunAsync(token, workdir, ["exec", "--ignore-user-config", "--ephemeral", "--ignore-rules", "--skip-git-repo-check",
            .. ProviderSettings(routerBaseUrl, group), .. extraArgs, "--", prompt]);

    /// <summary>`codex debug models`: the model catalog Codex ends up with for this provider, as JSON.</summary>
    public static Task<(int ExitCode, string Stdout, string Stderr)> DebugModelsAsync(Uri routerBaseUrl, string token, string group, string workdir) =>
        RunAsync(token, workdir, ["debug", "models", .. ProviderSettings(routerBaseUrl, group)]);

    private static string[] ProviderSettings(Uri routerBaseUrl, string group)
    {
        var baseUrl = routerBaseUrl.ToString().TrimEnd('/');
        return
        [
            "-c", $"model=\"{group}\"",
            "-c", "model_provider=\"metrum-router\"",
            "-c", "model_providers.metrum-router.name=\"Metrum Router\"",
            "-c", $"model_providers.metrum-router.base_url=\"{baseUrl}\"",
            "-c", "model_providers.metrum-router.env_key=\"METRUM_ROUTER_KEY\"",
            "-c", "model_providers.metrum-router.wire_api=\"responses\"",
            "-c", $"model_providers.metrum-router.model_catalog_url=\"{baseUrl}/models\"",
        ];
    }

    private static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string token, string workdir, string[] args)
    {
        // stdin closed as in the README (</dev/null); the prompt follows "--" since --image takes several files.
        var run = await NpmClients.RunAsync(Require(), args, new Dictionary<string, string> { ["METRUM_ROUTER_KEY"] = token }, workdir, TimeSpan.FromMinutes(2));
        return (run.ExitCode, run.Stdout, run.Stderr);
    }
}
