using System.Globalization;
using System.Text.Json;

namespace GenAiRouter.Cli.Tests;

/// <summary>
/// `genai-router validate` against the local router with the real Codex CLI and Claude Code, each scripted upstream
/// behind a group healthy or broken in one way; the tool smoke runs in bubblewrap.
/// </summary>
public sealed class ValidateTests : IAsyncLifetime
{
    private readonly Dictionary<Breakage, ValidateModel> _models = [];
    private LocalRouter _router = null!;
    private string _token = "";
    private readonly string _reports = Directory.CreateTempSubdirectory("validate-reports-").FullName;

    public async ValueTask InitializeAsync()
    {
        foreach (var breakage in Enum.GetValues<Breakage>())
        {
            _models[breakage] = await ValidateModel.StartAsync(breakage);
        }
        // Claude Code asks for thinking: the groups have reasoning levels and the token is granted them.
        string Group(string name, Breakage breakage) => $$"""
              {{name}}:
                reasoning: { levels: [low, medium, high], default: medium }
                targets:
                  - { name: {{name}}-t, api: responses, base_url: {{_models[breakage].BaseUrl}}, model: m, capabilities: [tools, hosted_tools, images, reasoning, streaming] }
            """;
        // Claude Code comes through the Messages door: the bridge translates for the Responses targets.
        _router = await LocalRouter.StartAsync($$"""
            bridge: { enabled: true }
            groups:
            {{Group("healthy", Breakage.None)}}
            {{Group("broken-tools", Breakage.ToolCalls)}}
            {{Group("broken-stream", Breakage.Streams)}}
            {{Group("broken-images", Breakage.Images)}}
              text-only:
                targets:
                  - { name: text-t, api: responses, base_url: {{_models[Breakage.None].BaseUrl}}, model: m, capabilities: [tools, hosted_tools, streaming] }
            """);
        const string reasoning = "healthy,broken-tools,broken-stream,broken-images";
        _token = await _router.IssueTokenAsync("--groups", reasoning + ",text-only", "--reasoning", reasoning);
    }

    [Fact]
    public async Task A_healthy_group_passes_every_check_with_both_agents_and_the_report_records_what_ran()
    {
        var codex = NpmClients.Require("codex", "@openai/codex");
        NpmClients.Require("claude", "@anthropic-ai/claude-code");
        RequireBubblewrap();

        // Meanwhile, no process on the machine may carry the caller token in its arguments (any user can read those).
        using var done = new CancellationTokenSource();
        var exposed = Task.Run(async () =>
        {
            while (!done.IsCancellationRequested)
            {
                foreach (var cmdline in Directory.EnumerateDirectories("/proc").Select(d => Path.Combine(d, "cmdline")))
                {
                    try
                    {
                        if ((await File.ReadAllTextAsync(cmdline)).Contains(_token, StringComparison.Ordinal))
                        {
                            return cmdline;
                        }
                    }
                    catch (IOException)
                    {
                        // the process ended
                    }
                    catch (UnauthorizedAccessException)
                    {
                    }
                }
                await Task.Delay(20);
            }
            return null;
        });

        var (exit, stdout, report) = await ValidateAsync(["--group", "healthy", "--clients", "codex,claude"]);
        await done.CancelAsync();

        Assert.Null(await exposed);
        Assert.True(exit == 0, stdout);
        Assert.True(report.GetProperty("passed").GetBoolean());
        var router = report.GetProperty("router");
        Assert.Equal($"http://127.0.0.1:{_router.Port}", router.GetProperty("url").GetString());
        Assert.StartsWith("0.1.0", router.GetProperty("version").GetString(), StringComparison.Ordinal);
        Assert.True(long.Parse(router.GetProperty("catalog_version").GetString()!, CultureInfo.InvariantCulture) > 0);
        Assert.StartsWith("bubblewrap 0.", report.GetProperty("sandbox").GetString(), StringComparison.Ordinal);
        Assert.True(report.GetProperty("finished_at").GetDateTimeOffset() > report.GetProperty("started_at").GetDateTimeOffset());
        Assert.Equal(["healthy"], report.GetProperty("groups").EnumerateArray().Select(g => g.GetString()));
        var clients = report.GetProperty("clients").EnumerateArray().ToDictionary(c => c.GetProperty("name").GetString()!);
        Assert.Equal("codex-cli 0.169.0", clients["codex"].GetProperty("version").GetString());
        Assert.Equal("responses", clients["codex"].GetProperty("door").GetString());
        Assert.Equal(Path.GetFullPath(codex), clients["codex"].GetProperty("path").GetString());
        Assert.Contains("2.1.197", clients["claude"].GetProperty("version").GetString(), StringComparison.Ordinal);
        Assert.Equal("messages", clients["claude"].GetProperty("door").GetString());
        var checks = report.GetProperty("checks").EnumerateArray().ToList();
        Assert.Equal(["codex one-shot", "codex tool", "codex image", "claude one-shot", "claude tool"],
            checks.Select(c => $"{c.GetProperty("client").GetString()} {c.GetProperty("check").GetString()}"));
        Assert.All(checks, c =>
        {
            Assert.Equal("healthy", c.GetProperty("group").GetString());
            Assert.Equal("passed", c.GetProperty("outcome").GetString());
            Assert.True(c.GetProperty("seconds").GetDouble() > 0);
            Assert.StartsWith("answer: ", c.GetProperty("evidence").GetString(), StringComparison.Ordinal);
        });
        Assert.Contains("Blue Harbor Cafe", checks[2].GetProperty("evidence").GetString(), StringComparison.Ordinal);
        Assert.Contains("It printed ROUTER-", checks[1].GetProperty("evidence").GetString(), StringComparison.Ordinal);
        // The Markdown report says the same for people, and neither report holds the caller token.
        var markdown = await File.ReadAllTextAsync(Path.Combine(_reports, "healthy", "report.md"));
        Assert.StartsWith("# Deployment validation: passed", markdown, StringComparison.Ordinal);
        Assert.Contains("| healthy | claude | tool | passed |", markdown, StringComparison.Ordinal);
        Assert.DoesNotContain(_token, markdown + await File.ReadAllTextAsync(Path.Combine(_reports, "healthy", "report.json")), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("broken-tools", "tool", "validate.txt was not written", "one-shot,image")]
    [InlineData("broken-stream", "one-shot", "exit code 1;", "")]
    [InlineData("broken-images", "image", "does not name the merchant (BLUE HARBOR CAFE)", "one-shot,tool")]
    public async Task A_broken_upstream_fails_the_check_it_breaks_and_says_what_was_seen(string group, string check, string evidence, string unbroken)
    {
        NpmClients.Require("codex", "@openai/codex");
        RequireBubblewrap();

        var (exit, stdout, report) = await ValidateAsync(["--group", group, "--clients", "codex"]);

        Assert.Equal(1, exit);
        Assert.False(report.GetProperty("passed").GetBoolean());
        var failed = report.GetProperty("checks").EnumerateArray().Where(c => c.GetProperty("outcome").GetString() == "failed").ToList();
        Assert.Contains(failed, c => c.GetProperty("check").GetString() == check);
        var named = failed.First(c => c.GetProperty("check").GetString() == check);
        Assert.Contains(evidence, named.GetProperty("evidence").GetString(), StringComparison.Ordinal);
        Assert.Contains($"| {group} | codex | {check} | failed |", stdout, StringComparison.Ordinal);
        // What the upstream does not break still passes: the failure is the breakage, not the harness.
        var passed = report.GetProperty("checks").EnumerateArray().Where(c => c.GetProperty("outcome").GetString() == "passed").Select(c => c.GetProperty("check").GetString()).ToList();
        Assert.Equal(unbroken.Split(',', StringSplitOptions.RemoveEmptyEntries), passed);
    }

    [Fact]
    public async Task A_group_without_images_skips_the_image_smoke_and_one_the_token_may_not_use_fails_by_name()
    {
        NpmClients.Require("codex", "@openai/codex");
        RequireBubblewrap();

        var (exit, _, report) = await ValidateAsync(["--group", "text-only", "--group", "not-granted", "--clients", "codex"]);

        Assert.Equal(1, exit);
        var checks = report.GetProperty("checks").EnumerateArray().Select(c => (c.GetProperty("group").GetString(), c.GetProperty("check").GetString(), c.GetProperty("outcome").GetString(), c.GetProperty("evidence").GetString()!)).ToList();
        Assert.Contains(checks, c => c is ("text-only", "image", "skipped", _));
        Assert.Contains(checks, c => c is ("text-only", "tool", "passed", _));
        Assert.Contains(checks, c => c.Item1 == "not-granted" && c.Item3 == "failed" && c.Item4.Contains("may not use group 'not-granted'", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Without_a_sandbox_the_tool_smoke_is_refused_with_the_reason_and_the_rest_still_runs()
    {
        var codex = NpmClients.Require("codex", "@openai/codex");
        // A PATH with node and codex and nothing else: no bubblewrap.
        var bin = Directory.CreateTempSubdirectory("validate-path-").FullName;
        File.CreateSymbolicLink(Path.Combine(bin, "codex"), codex);
        File.CreateSymbolicLink(Path.Combine(bin, "node"), "/usr/bin/node");

        var (exit, _, report) = await ValidateAsync(["--group", "healthy", "--clients", "codex"], path: bin);

        Assert.Equal(1, exit);
        Assert.StartsWith("none: no sandbox: bubblewrap is not installed", report.GetProperty("sandbox").GetString(), StringComparison.Ordinal);
        var checks = report.GetProperty("checks").EnumerateArray().ToDictionary(c => c.GetProperty("check").GetString()!, c => c);
        Assert.Equal("refused", checks["tool"].GetProperty("outcome").GetString());
        Assert.Contains("apt install bubblewrap", checks["tool"].GetProperty("evidence").GetString(), StringComparison.Ordinal);
        Assert.Equal("passed", checks["one-shot"].GetProperty("outcome").GetString());
        Assert.Equal("passed", checks["image"].GetProperty("outcome").GetString());
    }

    [Fact]
    public async Task Bad_arguments_are_named_without_running_anything()
    {
        await using var noToken = RouterProcess.Cli(new Dictionary<string, string> { ["VALIDATE_TOKEN"] = "" }, "validate", "--base-url", _router.BaseUrl.ToString(), "--token-env", "VALIDATE_TOKEN");
        Assert.Equal(2, await noToken.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains("VALIDATE_TOKEN is not set", noToken.Stderr, StringComparison.Ordinal);
        await using var unknown = RouterProcess.Cli(new Dictionary<string, string> { ["VALIDATE_TOKEN"] = _token }, "validate", "--base-url", _router.BaseUrl.ToString(), "--token-env", "VALIDATE_TOKEN", "--clients", "codex,vim");
        Assert.Equal(2, await unknown.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains("unknown client 'vim'; validate runs codex, claude", unknown.Stderr, StringComparison.Ordinal);

        var file = Path.Combine(_reports, "a-file");
        await File.WriteAllTextAsync(file, "");
        foreach (var (args, message) in new (string[], string)[]
        {
            (["--base-url", _router.BaseUrl + "?x=1"], "--base-url takes no query or fragment"),
            (["--base-url", $"http://user:pw@127.0.0.1:{_router.Port}"], "--base-url must not carry a user or password"),
            (["--base-url", _router.BaseUrl.ToString(), "--timeout", "0"], "--timeout is the seconds each check may take, at least 1, got 0"),
            (["--base-url", _router.BaseUrl.ToString(), "--clients", ","], "--clients names no client"),
            (["--base-url", _router.BaseUrl.ToString(), "--out", file], "is a file; it must be a directory"),
        })
        {
            await using var bad = RouterProcess.Cli(new Dictionary<string, string> { ["VALIDATE_TOKEN"] = _token }, ["validate", "--token-env", "VALIDATE_TOKEN", .. args]);
            Assert.Equal(2, await bad.WaitForExitAsync(TimeSpan.FromSeconds(30)));
            Assert.Contains(message, bad.Stderr, StringComparison.Ordinal);
            Assert.DoesNotContain(_token, bad.Stdout + bad.Stderr, StringComparison.Ordinal);
        }
    }

    private async Task<(int Exit, string Stdout, JsonElement Report)> ValidateAsync(string[] args, string? path = null)
    {
        var output = Path.Combine(_reports, args[1]);
        var environment = new Dictionary<string, string>
        {
            ["VALIDATE_TOKEN"] = _token,
            ["PATH"] = path ?? $"{Path.Combine(NpmClients.InstallDirectory, "node_modules", ".bin")}:{Environment.GetEnvironmentVariable("PATH")}",
        };
        // The router's address as a user writes it (with /v1, which validate accepts).
        await using var validate = RouterProcess.Cli(environment, ["validate", "--base-url", _router.BaseUrl.ToString(), "--token-env", "VALIDATE_TOKEN", "--out", output, "--timeout", "120", .. args]);
        var exit = await validate.WaitForExitAsync(TimeSpan.FromMinutes(8));
        Assert.True(File.Exists(Path.Combine(output, "report.json")), validate.Stdout + validate.Stderr);
        return (exit, validate.Stdout, JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(output, "report.json"))).RootElement.Clone());
    }

    private static void RequireBubblewrap()
    {
        if (!File.Exists("/usr/bin/bwrap"))
        {
            throw Xunit.Sdk.SkipException.ForSkip("bubblewrap is not installed (.ci/run installs the Debian package bubblewrap); the sandboxed tool smoke did not run");
        }
        using var probe = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("/usr/bin/bwrap", ["--ro-bind", "/", "/", "--unshare-all", "--", "/usr/bin/true"]) { RedirectStandardError = true })!;
        probe.WaitForExit();
        if (probe.ExitCode != 0)
        {
            throw Xunit.Sdk.SkipException.ForSkip($"bubblewrap cannot create a sandbox on this machine ({probe.StandardError.ReadToEnd().Trim()}); the sandboxed tool smoke did not run");
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _router.DisposeAsync();
        foreach (var model in _models.Values)
        {
            await model.DisposeAsync();
        }
        Directory.Delete(_reports, recursive: true);
    }
}
