using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using GenAiRouter.Cli.Tokens;
using GenAiRouter.Contracts.V1;
using GenAiRouter.Hosting;
using Grpc.Core;
using Grpc.Net.Client;

namespace GenAiRouter.Cli.Usage;

/// <summary><c>genai-router usage</c>: requests, tokens, images and cost per day, from the usage service.</summary>
public static class UsageCommand
{
    public static Command Create()
    {
        var project = new Option<string>("--project") { Description = "Only this project" };
        var user = new Option<string>("--user") { Description = "Only this user" };
        var env = new Option<string>("--env") { Description = "Only this environment" };
        var group = new Option<string>("--group") { Description = "Only this model group" };
        var target = new Option<string>("--target") { Description = "Only this target" };
        var key = new Option<string>("--key") { Description = "Only this caller token (its key id)" };
        var since = new Option<string>("--since") { Description = "How far back, e.g. 24h or 7d (default 7d)", DefaultValueFactory = _ => "7d" };
        var format = new Option<string>("--format") { Description = "table (default), csv or json", DefaultValueFactory = _ => "table" };
        format.AcceptOnlyFromAmong("table", "csv", "json");
        var config = RouterSetup.ConfigOption();
        var port = RouterSetup.PortOption();
        var command = new Command("usage", "Show usage per day and in total (needs the admin credential)") { project, user, env, group, target, key, since, format, config, port };
        command.SetAction(async (parse, cancellation) =>
        {
            if (RouterSetup.Load(parse.GetValue(config)) is not { } setup)
            {
                return 2;
            }
            if (setup.AdminKey() is not { } adminKey)
            {
                return Fail($"no admin credential: set {setup.Config.AdminKeyEnv} (or start the router once with ./genai-router up)");
            }
            var baseUrl = Environment.GetEnvironmentVariable("ROUTER_USAGE_URL") is { Length: > 0 } url
                ? url.TrimEnd('/')
                : $"http://127.0.0.1:{RouterApps.StandalonePorts(RouterApps.Usage, parse.GetValue(port)).Http}";
            var query = new[] { ("project", parse.GetValue(project)), ("user", parse.GetValue(user)), ("env", parse.GetValue(env)),
                    ("group", parse.GetValue(group)), ("target", parse.GetValue(target)), ("key", parse.GetValue(key)), ("since", parse.GetValue(since)),
                    ("format", parse.GetValue(format) == "csv" ? "csv" : "json") }
                .Where(q => !string.IsNullOrEmpty(q.Item2))
                .Select(q => $"{q.Item1}={Uri.EscapeDataString(q.Item2!)}");
            using var http = new HttpClient();
            using var request = new HttpRequestMessage(HttpMethod.Get, $"{baseUrl}/usage?{string.Join('&', query)}");
            request.Headers.Add(AdminCredential.Header, adminKey);
            HttpResponseMessage response;
            try
            {
                response = await http.SendAsync(request, cancellation);
            }
            catch (HttpRequestException)
            {
                return Fail($"the usage service at {baseUrl} is not reachable; is the router up?");
            }
            using (response)
            {
                var body = await response.Content.ReadAsStringAsync(cancellation);
                if (!response.IsSuccessStatusCode)
                {
                    return Fail(JsonDocument.Parse(body).RootElement.GetProperty("error").GetProperty("message").GetString() ?? body);
                }
                if (parse.GetValue(format) != "table")
                {
                    Console.Write(body);
                    return 0;
                }
                PrintTable(JsonDocument.Parse(body).RootElement);
            }
            var tokens = await ActiveTokensAsync(parse.GetValue(port), adminKey, cancellation);
            await PrintBudgetsAsync(Budgets(setup.Config, tokens, parse.GetValue(project), DateTimeOffset.UtcNow), http, baseUrl, adminKey, cancellation);
            return 0;
        });
        return command;
    }

    /// <summary>A budget, the usage it is checked against (a query of the ledger), and its period.</summary>
    internal sealed record Budget(string Of, string Query, string Period, double Limit, DateTimeOffset Start, DateTimeOffset Reset);

    /// <summary>
    /// Every budget in force: each project's (configuration), each active caller token's own, and each group's for
    /// every token granted that group (a group's limits apply to each token in it), with the current UTC day or month.
    /// </summary>
    internal static IReadOnlyList<Budget> Budgets(RouterConfig.RouterConfig config, IReadOnlyList<Caller> tokens, string? onlyProject, DateTimeOffset now)
    {
        var day = new DateTimeOffset(now.Year, now.Month, now.Day, 0, 0, 0, TimeSpan.Zero);
        var month = new DateTimeOffset(now.Year, now.Month, 1, 0, 0, 0, TimeSpan.Zero);
        var budgets = new List<Budget>();
        void Add(string of, string query, double? perDay, double? perMonth)
        {
            if (perDay is > 0)
            {
                budgets.Add(new Budget(of, query, "day", perDay.Value, day, day.AddDays(1)));
            }
            if (perMonth is > 0)
            {
                budgets.Add(new Budget(of, query, "month", perMonth.Value, month, month.AddMonths(1)));
            }
        }
        foreach (var (name, project) in config.Projects.Where(p => onlyProject is null || p.Key == onlyProject).OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            Add($"project {name}", $"project={Uri.EscapeDataString(name)}", project?.Quota?.BudgetPerDay, project?.Quota?.BudgetPerMonth);
        }
        foreach (var token in tokens.Where(t => onlyProject is null || t.Project == onlyProject).OrderBy(t => t.KeyId, StringComparer.Ordinal))
        {
            var who = $"token {token.KeyId} ({token.User}/{token.Project}/{token.Env})";
            Add(who, $"key={Uri.EscapeDataString(token.KeyId)}", token.Quota?.BudgetPerDay, token.Quota?.BudgetPerMonth);
            foreach (var grant in token.Grants.OrderBy(g => g.Group, StringComparer.Ordinal))
            {
                if (config.Groups.TryGetValue(grant.Group, out var group) && group?.Quota is { } quota)
                {
                    Add($"{who} in {grant.Group}", $"key={Uri.EscapeDataString(token.KeyId)}&group={Uri.EscapeDataString(grant.Group)}", quota.BudgetPerDay, quota.BudgetPerMonth);
                }
            }
        }
        return budgets;
    }

    /// <summary>The caller tokens that can still spend; none (with a note) when auth cannot be asked.</summary>
    private static async Task<IReadOnlyList<Caller>> ActiveTokensAsync(int basePort, string adminKey, CancellationToken cancellation)
    {
        using var channel = GrpcChannel.ForAddress(TokenCommands.AuthAddress(basePort));
        try
        {
            var reply = await new TokenAdmin.TokenAdminClient(channel).ListAsync(new ListTokensRequest(), new Metadata { { AdminCredential.Header, adminKey } }, cancellationToken: cancellation);
            return reply.Tokens.Where(t => t.RevokedAt is null && t.Caller.ExpiresAt.ToDateTimeOffset() > DateTimeOffset.UtcNow).Select(t => t.Caller).ToList();
        }
        catch (RpcException e)
        {
            Console.Error.WriteLine($"genai-router: note: caller tokens' budgets are not shown (the auth service answered: {e.Status.StatusCode})");
            return [];
        }
    }

    /// <summary>Each budget against what the usage ledger says was spent in its day or month (the prices the router admits requests by).</summary>
    private static async Task PrintBudgetsAsync(IReadOnlyList<Budget> budgets, HttpClient http, string baseUrl, string adminKey, CancellationToken cancellation)
    {
        var rows = new List<string[]>();
        foreach (var budget in budgets)
        {
            var since = (long)Math.Ceiling((DateTimeOffset.UtcNow - budget.Start).TotalSeconds);
            using var request = new HttpRequestMessage(HttpMethod.Get, $"{baseUrl}/usage?{budget.Query}&since={since}s&format=json");
            request.Headers.Add(AdminCredential.Header, adminKey);
            using var response = await http.SendAsync(request, cancellation);
            var spent = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellation)).RootElement.GetProperty("total").GetProperty("cost").GetDouble();
            rows.Add([budget.Of, budget.Period, Usd(spent), Usd(budget.Limit), Usd(Math.Max(0, budget.Limit - spent)), budget.Reset.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)]);
        }
        if (rows.Count > 0)
        {
            Console.WriteLine();
            Table.Print(["BUDGET OF", "PER", "SPENT", "BUDGET", "LEFT", "RESETS (UTC)"], rows);
        }
    }

    private static string Usd(double usd) => "$" + usd.ToString("0.0000", CultureInfo.InvariantCulture);

    private static void PrintTable(JsonElement report)
    {
        static string[] Row(JsonElement d) =>
        [
            d.GetProperty("day").GetString()!, N(d, "requests"), N(d, "input_tokens"), N(d, "cached_input_tokens"), N(d, "cache_write_tokens"), N(d, "output_tokens"),
            N(d, "reasoning_tokens"), N(d, "images"), "$" + d.GetProperty("cost").GetDouble().ToString("0.0000", CultureInfo.InvariantCulture),
            N(d, "cache_hits"), N(d, "errors"),
        ];
        var rows = report.GetProperty("days").EnumerateArray().Select(Row).Append(Row(report.GetProperty("total"))).ToList();
        Table.Print(["DAY (UTC)", "REQUESTS", "INPUT", "CACHED IN", "CACHE WRITE", "OUTPUT", "REASONING", "IMAGES", "COST", "CACHE HITS", "ERRORS"], rows);
    }

    private static string N(JsonElement element, string name) => element.GetProperty(name).GetInt64().ToString("N0", CultureInfo.InvariantCulture);

    private static int Fail(string message)
    {
        Console.Error.WriteLine($"genai-router: error: {message}");
        return 1;
    }
}
