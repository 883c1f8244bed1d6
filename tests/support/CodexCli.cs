using System.Diagnostics;

namespace GenAiRouter.TestSupport;

/// <summary>
/// The real Codex CLI (npm <c>@openai/codex@0.169.0</c>), run exactly as the README tells users to, against a
/// router. `.ci/run` installs it under .tools/codex; CODEX_BIN overrides where it is looked for.
/// </summary>
public static class CodexCli
{
    public const string Version = "0.169.0";

    public static string? Path
    {
        get
        {
            var candidates = new[]
            {
                Environment.GetEnvironmentVariable("CODEX_BIN"),
                System.IO.Path.Combine(RouterProcess.RepoRoot, ".tools", "codex", "node_modules", ".bin", "codex"),
            };
            return candidates.FirstOrDefault(File.Exists);
        }
    }

    /// <summary>Skips the calling test, saying why, when the Codex CLI is not installed.</summary>
    public static string Require() =>
        Path ?? throw Xunit.Sdk.SkipException.ForSkip(
            $"Codex CLI {Version} is not installed (npm install --prefix .tools/codex @openai/codex@{Version}, as .ci/run does); the Codex end-to-end flows did not run");

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
        var home = Directory.CreateTempSubdirectory("codex-home-").FullName;
        try
        {
            var start = new ProcessStartInfo(Require())
            {
                UseShellExecute = false,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                RedirectStandardInput = true,
                WorkingDirectory = workdir,
            };
            foreach (var arg in args)
            {
                start.ArgumentList.Add(arg);
            }
            start.Environment["HOME"] = home;
            start.Environment["CODEX_HOME"] = home;
            start.Environment["METRUM_ROUTER_KEY"] = token;
            using var codex = Process.Start(start)!;
            codex.StandardInput.Close(); // </dev/null, as in the README; the prompt follows "--" since --image takes several files
            var stdout = codex.StandardOutput.ReadToEndAsync();
            var stderr = codex.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
            try
            {
                await codex.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                codex.Kill(entireProcessTree: true);
                throw new TimeoutException($"codex {args[0]} did not finish in 2 minutes\nstderr:\n{await stderr}");
            }
            return (codex.ExitCode, await stdout, await stderr);
        }
        finally
        {
            Directory.Delete(home, recursive: true);
        }
    }
}
