using System.CommandLine;

namespace GenAiRouter.Cli.Validate;

/// <summary>
/// <c>genai-router validate</c>: proves a deployment with the real coding agents and a caller token (anyone can run it,
/// e.g. in a release pipeline or a Helm test); <c>genai-router validate target NAME</c>: proves what one chat target of
/// the configuration can do before the bridge is allowed to use it.
/// </summary>
public static class ValidateCommand
{
    public static Command Create()
    {
        var baseUrl = new Option<string>("--base-url") { Description = "The router as its users reach it, e.g. https://router.example.com" };
        var tokenEnv = new Option<string>("--token-env") { Description = "The environment variable holding the caller token" };
        var groups = new Option<string[]>("--group") { Description = "A group to validate (repeatable; default: every group the token may use)", AllowMultipleArgumentsPerToken = false };
        var clients = new Option<string>("--clients") { Description = $"Coding agents to run, comma-separated ({string.Join(", ", ValidatedClient.All.Select(c => c.Name))}; default: those on PATH)" };
        var output = new Option<string>("--out") { Description = "Where to write report.md and report.json", DefaultValueFactory = _ => "validate-report" };
        var timeout = new Option<int>("--timeout") { Description = "Seconds each check may take", DefaultValueFactory = _ => 300 };
        var command = new Command("validate", "Prove a deployment with the real coding agents: one-shot answer, sandboxed tool smoke, image smoke; writes a report and exits non-zero when a check fails")
        {
            baseUrl, tokenEnv, groups, clients, output, timeout,
        };
        command.Subcommands.Add(Target());
        command.SetAction(async (parse, cancellation) =>
        {
            var url = parse.GetValue(baseUrl)?.TrimEnd('/');
            if (url is null || !Uri.TryCreate(url, UriKind.Absolute, out var parsed) || parsed.Scheme is not ("http" or "https"))
            {
                return Fail("--base-url must be the router's http(s) address, e.g. https://router.example.com");
            }
            if (parsed.Query.Length > 0 || parsed.Fragment.Length > 0 || url.Contains('#', StringComparison.Ordinal))
            {
                return Fail("--base-url takes no query or fragment: the router's address only, e.g. https://router.example.com");
            }
            if (parsed.UserInfo.Length > 0)
            {
                // It would end up in the report; the caller token is the only credential validation uses.
                return Fail("--base-url must not carry a user or password; the caller token (--token-env) is the credential");
            }
            if (parse.GetValue(timeout) is var seconds && seconds < 1)
            {
                return Fail($"--timeout is the seconds each check may take, at least 1, got {seconds}");
            }
            var reportDirectory = Path.GetFullPath(parse.GetValue(output)!);
            if (File.Exists(reportDirectory))
            {
                return Fail($"--out {reportDirectory} is a file; it must be a directory for report.md and report.json");
            }
            url = url.EndsWith("/v1", StringComparison.Ordinal) ? url[..^3] : url;
            if (parse.GetValue(tokenEnv) is not { Length: > 0 } variable)
            {
                return Fail("--token-env must name the environment variable that holds the caller token");
            }
            if (Environment.GetEnvironmentVariable(variable) is not { Length: > 0 } token)
            {
                return Fail($"{variable} is not set: it must hold the caller token");
            }
            var names = parse.GetValue(clients) is { } list
                ? list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct(StringComparer.Ordinal).ToList()
                : ValidatedClient.All.Where(c => Programs.Find(c.Program) is not null).Select(c => c.Name).ToList();
            if (parse.GetValue(clients) is not null && names.Count == 0)
            {
                return Fail($"--clients names no client; validate runs {string.Join(", ", ValidatedClient.All.Select(c => c.Name))}");
            }
            if (names.FirstOrDefault(n => ValidatedClient.All.All(c => c.Name != n)) is { } unknown)
            {
                return Fail($"unknown client '{unknown}'; validate runs {string.Join(", ", ValidatedClient.All.Select(c => c.Name))}");
            }
            if (names.Count == 0)
            {
                return Fail($"no coding agent on PATH to validate with ({string.Join(", ", ValidatedClient.All.Select(c => c.Program))})");
            }
            DirectoryInfo directory;
            try
            {
                directory = Directory.CreateDirectory(reportDirectory);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return Fail($"cannot write the report to {reportDirectory}: {e.Message}");
            }
            var (sandbox, unavailable) = await Sandbox.FindAsync();
            var report = await DeploymentValidation.RunAsync(
                new ValidationRequest(url, token, parse.GetValue(groups) ?? [], names, TimeSpan.FromSeconds(parse.GetValue(timeout))), sandbox, unavailable, cancellation);
            await File.WriteAllTextAsync(Path.Combine(directory.FullName, "report.md"), report.Markdown(), cancellation);
            await File.WriteAllTextAsync(Path.Combine(directory.FullName, "report.json"), report.Json(), cancellation);
            Console.Write(report.Markdown());
            Console.WriteLine($"\nreport: {Path.Combine(directory.FullName, "report.md")} and report.json");
            return report.Passed ? 0 : 1;
        });
        return command;
    }

    private static Command Target()
    {
        var name = new Argument<string>("NAME") { Description = "A chat target of the configuration" };
        var config = RouterSetup.ConfigOption();
        var command = new Command("target", "Probe one chat target directly for each ability the bridge gates on, and print the configuration it proved") { name, config };
        command.SetAction(async (parse, cancellation) =>
        {
            if (RouterSetup.Load(parse.GetValue(config)) is not { } setup)
            {
                return 2;
            }
            var wanted = parse.GetValue(name);
            var target = setup.Config.Groups.Values.SelectMany(g => g.Targets).FirstOrDefault(t => t.Name == wanted);
            if (target is null)
            {
                return Fail($"no target '{wanted}' in {setup.ConfigPath}");
            }
            if (target.Api != "chat")
            {
                return Fail($"target '{wanted}' is a {target.Api} target; validate target probes chat targets, which the bridge serves");
            }
            string? key = null;
            if (target.ApiKeyEnv is { Length: > 0 } keyEnv && (key = Environment.GetEnvironmentVariable(keyEnv)) is not { Length: > 0 })
            {
                return Fail($"{keyEnv} is not set: target '{wanted}' takes its key from it");
            }
            using var http = new HttpClient { Timeout = TimeSpan.FromMinutes(2) };
            var probes = await new TargetProbe(http, target, key).RunAsync(cancellation);
            Console.WriteLine($"Probed target {wanted} ({target.Model} at {target.BaseUrl}):\n");
            Table.Print(["ABILITY", "PROVED", "EVIDENCE"], probes.Select(p => new[] { p.Ability, p.Proved ? "yes" : "no", p.Evidence }).ToList());
            if (!probes[0].Proved)
            {
                // A failed check, not a usage mistake.
                Console.Error.WriteLine($"genai-router: error: target '{wanted}' does not answer a plain chat request; nothing else was probed");
                return 1;
            }
            Console.WriteLine($"\nPaste into target {wanted} (only what was proved is on):\n");
            Console.Write(TargetProbe.Configuration(wanted!, probes, DateTimeOffset.UtcNow));
            return 0;
        });
        return command;
    }

    private static int Fail(string message)
    {
        Console.Error.WriteLine($"genai-router: error: {message}");
        return 2;
    }
}
