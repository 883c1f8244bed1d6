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

    public static async Task<(int ExitCode, string Stdout, string Stderr)> ExecAsync(
        Uri routerBaseUrl, string token, string group, string prompt, string workdir, params string[] extraArgs)
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
            foreach (var arg in new[]
            {
                "exec", "--ignore-user-config", "--ephemeral", "--ignore-rules", "--skip-git-repo-check",
                "-c", $"model=\"{group}\"",
                "-c", "model_provider=\"metrum-router\"",
                "-c", "model_providers.metrum-router.name=\"Metrum Router\"",
                "-c", $"model_providers.metrum-router.base_url=\"{routerBaseUrl.ToString().TrimEnd('/')}\"",
                "-c", "model_providers.metrum-router.env_key=\"METRUM_ROUTER_KEY\"",
                "-c", "model_providers.metrum-router.wire_api=\"responses\"",
            }.Concat(extraArgs).Append("--").Append(prompt))
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
                throw new TimeoutException($"codex exec did not finish in 2 minutes\nstderr:\n{await stderr}");
            }
            return (codex.ExitCode, await stdout, await stderr);
        }
        finally
        {
            Directory.Delete(home, recursive: true);
        }
    }
}
