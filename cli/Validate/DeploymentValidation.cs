using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;

namespace GenAiRouter.Cli.Validate;

/// <summary>What to validate: a router as its users reach it, with one caller token.</summary>
public sealed record ValidationRequest(string RouterUrl, string Token, IReadOnlyList<string> Groups, IReadOnlyList<string> Clients, TimeSpan CheckTimeout);

/// <summary>
/// `genai-router validate`: for each group the caller token may use and each coding agent installed here, the checks
/// platform teams were told to run by hand. The one-shot answer; the tool smoke (a file written by the agent's shell
/// tool, in a sandbox, and read back); the image smoke (a receipt drawn here; the answer names the merchant). Each
/// result keeps its evidence, and the caller token never appears in it.
/// </summary>
public static class DeploymentValidation
{
    public const string OneShot = "one-shot";
    public const string Tool = "tool";
    public const string Image = "image";

    public static async Task<ValidationReport> RunAsync(ValidationRequest request, Sandbox? sandbox, string? sandboxUnavailable, CancellationToken cancellationToken)
    {
        var started = DateTimeOffset.UtcNow;
        var checks = new List<CheckResult>();
        var catalog = await ReadCatalogAsync(request, cancellationToken);
        var groups = request.Groups.Count > 0 ? request.Groups : catalog.Groups.Keys.ToList();
        var clients = new List<(ValidatedClient Client, ClientInfo Info)>();
        foreach (var client in request.Clients.Select(name => ValidatedClient.All.Single(c => c.Name == name)))
        {
            var path = Programs.Find(client.Program);
            var version = path is null ? null : (await Programs.RunAsync(path, ["--version"], TimeSpan.FromSeconds(30))).Stdout.Trim();
            clients.Add((client, new ClientInfo(client.Name, client.Door, path, version)));
        }
        if (catalog.Problem is not null)
        {
            checks.Add(new CheckResult("", "", "catalog", Outcome.Failed, 0, catalog.Problem));
        }
        foreach (var group in catalog.Problem is null ? groups : [])
        {
            if (!catalog.Groups.TryGetValue(group, out var takesImages))
            {
                checks.Add(new CheckResult(group, "", "catalog", Outcome.Failed, 0,
                    $"the caller token may not use group '{group}'; /v1/models lists: {string.Join(", ", catalog.Groups.Keys)}"));
                continue;
            }
            foreach (var (client, info) in clients)
            {
                if (info.Path is null)
                {
                    checks.Add(new CheckResult(group, client.Name, "installed", Outcome.Failed, 0, $"'{client.Program}' is not on PATH"));
                    continue;
                }
                var run = new ClientRunner(request, client, info.Path, group, sandbox);
                checks.Add(await run.OneShotAsync(cancellationToken));
                checks.Add(sandbox is null
                    ? new CheckResult(group, client.Name, Tool, Outcome.Refused, 0, sandboxUnavailable ?? "no sandbox")
                    : await run.ToolAsync(cancellationToken));
                if (client.AttachesImages)
                {
                    checks.Add(takesImages
                        ? await run.ImageAsync(cancellationToken)
                        : new CheckResult(group, client.Name, Image, Outcome.Skipped, 0, "the group takes no images (/v1/models lists only text input)"));
                }
            }
        }
        return new ValidationReport(request.RouterUrl, catalog.RouterVersion, catalog.CatalogVersion, started, DateTimeOffset.UtcNow,
            sandbox is null ? $"none: {sandboxUnavailable}" : $"bubblewrap {sandbox.Version}", clients.Select(c => c.Info).ToList(), groups, checks);
    }

    private sealed record Catalog(IReadOnlyDictionary<string, bool> Groups, string? RouterVersion, string? CatalogVersion, string? Problem);

    /// <summary>The groups the token may use (and whether each takes images), as /v1/models says with that token.</summary>
    private static async Task<Catalog> ReadCatalogAsync(ValidationRequest request, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        using var get = new HttpRequestMessage(HttpMethod.Get, request.RouterUrl + "/v1/models");
        get.Headers.Authorization = new AuthenticationHeaderValue("Bearer", request.Token);
        try
        {
            using var response = await http.SendAsync(get, cancellationToken);
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            var version = response.Headers.TryGetValues("x-router-version", out var v) ? v.First() : null;
            var catalogVersion = response.Headers.TryGetValues("x-router-catalog-version", out var c) ? c.First() : null;
            if (!response.IsSuccessStatusCode)
            {
                return new Catalog(new Dictionary<string, bool>(), version, catalogVersion, $"GET /v1/models answered {(int)response.StatusCode}: {Shorten(body, 400)}");
            }
            using var document = JsonDocument.Parse(body);
            var images = document.RootElement.TryGetProperty("models", out var models)
                ? models.EnumerateArray().ToDictionary(m => m.GetProperty("slug").GetString()!, m => m.TryGetProperty("input_modalities", out var modalities)
                    && modalities.EnumerateArray().Any(x => x.GetString() == "image"))
                : [];
            var groups = document.RootElement.GetProperty("data").EnumerateArray().Select(d => d.GetProperty("id").GetString()!)
                .ToDictionary(id => id, id => images.GetValueOrDefault(id));
            return new Catalog(groups, version, catalogVersion, groups.Count == 0 ? "the caller token may use no group" : null);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return new Catalog(new Dictionary<string, bool>(), null, null, $"GET {request.RouterUrl}/v1/models failed: {e.Message}");
        }
    }

    internal static string Shorten(string text, int max) => text.Length <= max ? text : "…" + text[^max..];

    /// <summary>One client on one group: runs each check in a fresh scratch directory.</summary>
    private sealed class ClientRunner(ValidationRequest request, ValidatedClient client, string program, string group, Sandbox? sandbox)
    {
        public async Task<CheckResult> OneShotAsync(CancellationToken cancellationToken)
        {
            var word = Word();
            var (run, _) = await RunAsync($"Reply with exactly the word {word} and nothing else.", runTools: false, image: null, cancellationToken);
            return Result(OneShot, run, run.ExitCode == 0 && run.Stdout.Contains(word, StringComparison.Ordinal), $"the answer does not contain {word}");
        }

        public async Task<CheckResult> ToolAsync(CancellationToken cancellationToken)
        {
            var word = Word();
            var (run, scratch) = await RunAsync(
                $"Use your shell tool to run this exact command in the current directory: printf '{word}\\n' > validate.txt && cat validate.txt. Then reply with what it printed.",
                runTools: true, image: null, cancellationToken, keepScratch: true);
            try
            {
                var file = Path.Combine(scratch, "validate.txt");
                var written = File.Exists(file) ? File.ReadAllText(file) : null;
                var problem = written is null ? "validate.txt was not written in the scratch directory"
                    : written != word + "\n" ? $"validate.txt holds '{Shorten(written, 80)}', not {word}"
                    : !run.Stdout.Contains(word, StringComparison.Ordinal) ? $"the file was written but the answer does not contain {word}"
                    : null;
                return Result(Tool, run, run.ExitCode == 0 && problem is null, problem ?? "the client failed");
            }
            finally
            {
                Directory.Delete(scratch, recursive: true);
            }
        }

        public async Task<CheckResult> ImageAsync(CancellationToken cancellationToken)
        {
            var (run, _) = await RunAsync("What is the merchant's name on the attached receipt? Reply with the name only.", runTools: false, image: "receipt.png", cancellationToken);
            var named = run.Stdout.Contains("BLUE HARBOR", StringComparison.OrdinalIgnoreCase);
            return Result(Image, run, run.ExitCode == 0 && named, $"the answer does not name the merchant ({ReceiptImage.Merchant})");
        }

        private CheckResult Result(string check, Programs.Result run, bool passed, string problem)
        {
            var answer = Redact(Shorten(run.Stdout.Trim(), 600));
            var evidence = passed ? $"answer: {answer}"
                : run.TimedOut ? $"timed out after {request.CheckTimeout.TotalSeconds:0} s; output: {answer}; errors: {Redact(Shorten(run.Stderr.Trim(), 600))}"
                : $"{problem}; exit code {run.ExitCode}; answer: {answer}; errors: {Redact(Shorten(run.Stderr.Trim(), 600))}";
            return new CheckResult(group, client.Name, check, passed ? Outcome.Passed : Outcome.Failed, Math.Round(run.Took.TotalSeconds, 2), evidence);
        }

        private string Redact(string text) => text.Replace(request.Token, "[caller token]", StringComparison.Ordinal);

        private async Task<(Programs.Result Run, string Scratch)> RunAsync(string prompt, bool runTools, string? image, CancellationToken cancellationToken, bool keepScratch = false)
        {
            var scratch = Directory.CreateTempSubdirectory("genai-router-validate-").FullName;
            try
            {
                if (image is not null)
                {
                    await File.WriteAllBytesAsync(Path.Combine(scratch, image), ReceiptImage.Png(), cancellationToken);
                }
                var args = client.Arguments(request.RouterUrl, group, prompt, scratch, runTools, image);
                var environment = client.Environment(request.RouterUrl, request.Token, group);
                Programs.Result run;
                if (sandbox is not null)
                {
                    var (command, sandboxed) = sandbox.Wrap(program, args, scratch, [Installation(program)], environment);
                    run = await Programs.RunAsync(command[0], command.Skip(1), request.CheckTimeout, scratch, sandboxed);
                }
                else
                {
                    // No sandbox: no tools are run (the tool smoke is refused); the client still gets a home of its own.
                    var home = Directory.CreateDirectory(Path.Combine(scratch, ".home")).FullName;
                    run = await Programs.RunAsync(program, args, request.CheckTimeout, scratch,
                        new Dictionary<string, string>(environment) { ["HOME"] = home, ["PATH"] = System.Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin" });
                }
                return (run, scratch);
            }
            finally
            {
                if (!keepScratch)
                {
                    Directory.Delete(scratch, recursive: true);
                }
            }
        }

        /// <summary>The directory the client is installed in (its node_modules, or its own directory), which the sandbox shows read-only.</summary>
        private static string Installation(string program)
        {
            var real = new FileInfo(program).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? program;
            var directory = Path.GetDirectoryName(real)!;
            var modules = real.IndexOf("/node_modules/", StringComparison.Ordinal);
            return modules >= 0 ? real[..(modules + "/node_modules".Length)] : directory;
        }

        private static string Word() => "ROUTER-" + Convert.ToHexString(RandomNumberGenerator.GetBytes(3));
    }
}

public static class Outcome
{
    public const string Passed = "passed";
    public const string Failed = "failed";
    public const string Skipped = "skipped";
    public const string Refused = "refused";
}

public sealed record CheckResult(string Group, string Client, string Check, string Outcome, double Seconds, string Evidence);

public sealed record ClientInfo(string Name, string Door, string? Path, string? Version);

/// <summary>What was validated, against what, with which clients, and each check's outcome and evidence.</summary>
public sealed record ValidationReport(
    string RouterUrl, string? RouterVersion, string? CatalogVersion, DateTimeOffset StartedAt, DateTimeOffset FinishedAt, string Sandbox,
    IReadOnlyList<ClientInfo> Clients, IReadOnlyList<string> Groups, IReadOnlyList<CheckResult> Checks)
{
    /// <summary>Every check passed or did not apply, and there was at least one.</summary>
    public bool Passed => Checks.Count > 0 && Checks.All(c => c.Outcome is Outcome.Passed or Outcome.Skipped);

    public string Json() => JsonSerializer.Serialize(new
    {
        passed = Passed,
        router = new { url = RouterUrl, version = RouterVersion, catalog_version = CatalogVersion },
        started_at = StartedAt,
        finished_at = FinishedAt,
        sandbox = Sandbox,
        clients = Clients.Select(c => new { name = c.Name, door = c.Door, path = c.Path, version = c.Version }),
        groups = Groups,
        checks = Checks.Select(c => new { group = c.Group, client = c.Client, check = c.Check, outcome = c.Outcome, seconds = c.Seconds, evidence = c.Evidence }),
    }, Indented);

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>
    /// Evidence is what a model and a client said: in a table cell it is plain text, never links, images or markup a
    /// rendered report would act on.
    /// </summary>
    private static string Escape(string text)
    {
        var escaped = new System.Text.StringBuilder(text.Length);
        foreach (var c in text.ReplaceLineEndings(" "))
        {
            if (c is '\\' or '`' or '[' or ']' or '<' or '>' or '|')
            {
                escaped.Append('\\');
            }
            escaped.Append(c);
        }
        return escaped.ToString();
    }

    public string Markdown()
    {
        var md = new System.Text.StringBuilder();
        md.Append("# Deployment validation: ").Append(Passed ? "passed" : "FAILED").Append("\n\n");
        md.Append("- Router: ").Append(RouterUrl).Append(" (version ").Append(RouterVersion ?? "unknown").Append(", catalog ").Append(CatalogVersion ?? "unknown").Append(")\n");
        md.Append("- When: ").Append(StartedAt.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)).Append(" UTC, ")
          .Append((FinishedAt - StartedAt).TotalSeconds.ToString("0", CultureInfo.InvariantCulture)).Append(" s\n");
        md.Append("- Sandbox for the tool smoke: ").Append(Sandbox).Append('\n');
        foreach (var client in Clients)
        {
            md.Append("- Client ").Append(client.Name).Append(" (").Append(client.Door).Append(" door): ").Append(client.Version ?? "not installed").Append('\n');
        }
        md.Append("\n| group | client | check | outcome | seconds | evidence |\n|---|---|---|---|---:|---|\n");
        foreach (var c in Checks)
        {
            md.Append("| ").Append(c.Group).Append(" | ").Append(c.Client).Append(" | ").Append(c.Check).Append(" | ").Append(c.Outcome).Append(" | ")
              .Append(c.Seconds.ToString("0.0", CultureInfo.InvariantCulture)).Append(" | ").Append(Escape(c.Evidence)).Append(" |\n");
        }
        return md.ToString();
    }
}
