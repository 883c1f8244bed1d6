namespace GenAiRouter.Cli.Validate;

/// <summary>
/// A coding agent validation drives, configured the way the built-in docs tell its users to: which program, which
/// door it comes through, and how it is given the router, the caller token and a prompt.
/// </summary>
public abstract class ValidatedClient
{
    public abstract string Name { get; }

    /// <summary>The program on PATH.</summary>
    public abstract string Program { get; }

    /// <summary>The router's door this client comes through.</summary>
    public abstract string Door { get; }

    /// <summary>Whether it attaches an image file to a prompt (for the image smoke).</summary>
    public abstract bool AttachesImages { get; }

    /// <summary>The environment it needs: the caller token, and settings that are no secret.</summary>
    public abstract IReadOnlyDictionary<string, string> Environment(string routerUrl, string token, string group);

    public abstract IReadOnlyList<string> Arguments(string routerUrl, string group, string prompt, string scratch, bool runTools, string? image);

    public static IReadOnlyList<ValidatedClient> All { get; } = [new Codex(), new ClaudeCode()];

    /// <summary>The Codex CLI (`codex exec`), on the Responses door with the router as its model provider and catalog.</summary>
    private sealed class Codex : ValidatedClient
    {
        public override string Name => "codex";
        public override string Program => "codex";
        public override string Door => "responses";
        public override bool AttachesImages => true;

        public override IReadOnlyDictionary<string, string> Environment(string routerUrl, string token, string group) =>
            new Dictionary<string, string> { ["METRUM_ROUTER_KEY"] = token };

        public override IReadOnlyList<string> Arguments(string routerUrl, string group, string prompt, string scratch, bool runTools, string? image)
        {
            var v1 = routerUrl + "/v1";
            List<string> args =
            [
                "exec", "--ignore-user-config", "--ephemeral", "--skip-git-repo-check", "-C", scratch,
                "-c", $"model=\"{group}\"",
                "-c", "model_provider=\"metrum-router\"",
                "-c", "model_providers.metrum-router.name=\"Metrum Router\"",
                "-c", $"model_providers.metrum-router.base_url=\"{v1}\"",
                "-c", "model_providers.metrum-router.env_key=\"METRUM_ROUTER_KEY\"",
                "-c", "model_providers.metrum-router.wire_api=\"responses\"",
                "-c", $"model_providers.metrum-router.model_catalog_url=\"{v1}/models\"",
            ];
            if (runTools)
            {
                // The sandbox around Codex is bubblewrap's; Codex's own would need privileges it does not have there.
                args.Add("--dangerously-bypass-approvals-and-sandbox");
            }
            if (image is not null)
            {
                args.AddRange(["-i", image]);
            }
            args.AddRange(["--", prompt]);
            return args;
        }
    }

    /// <summary>Claude Code (`claude -p`), on the Messages door with ANTHROPIC_BASE_URL at the router.</summary>
    private sealed class ClaudeCode : ValidatedClient
    {
        public override string Name => "claude";
        public override string Program => "claude";
        public override string Door => "messages";
        public override bool AttachesImages => false;

        public override IReadOnlyDictionary<string, string> Environment(string routerUrl, string token, string group) => new Dictionary<string, string>
        {
            ["ANTHROPIC_BASE_URL"] = routerUrl,
            ["ANTHROPIC_AUTH_TOKEN"] = token,
            ["ANTHROPIC_MODEL"] = group,
            ["ANTHROPIC_DEFAULT_HAIKU_MODEL"] = group,
            ["CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC"] = "1",
            ["DISABLE_AUTOUPDATER"] = "1",
            // Tools run unattended only where Claude Code is told it is in a sandbox (it is: bubblewrap's).
            ["IS_SANDBOX"] = "1",
        };

        public override IReadOnlyList<string> Arguments(string routerUrl, string group, string prompt, string scratch, bool runTools, string? image) =>
            runTools ? ["-p", "--dangerously-skip-permissions", prompt] : ["-p", prompt];
    }
}
