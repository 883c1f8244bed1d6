using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using GenAiRouter.Hosting;

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
        var since = new Option<string>("--since") { Description = "How far back, e.g. 24h or 7d (default 7d)", DefaultValueFactory = _ => "7d" };
        var format = new Option<string>("--format") { Description = "table (default), csv or json", DefaultValueFactory = _ => "table" };
        format.AcceptOnlyFromAmong("table", "csv", "json");
        var config = RouterSetup.ConfigOption();
        var port = RouterSetup.PortOption();
        var command = new Command("usage", "Show usage per day and in total (needs the admin credential)") { project, user, env, group, target, since, format, config, port };
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
                    ("group", parse.GetValue(group)), ("target", parse.GetValue(target)), ("since", parse.GetValue(since)),
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
            await PrintBudgetsAsync(setup.Config, parse.GetValue(project), http, baseUrl, adminKey, cancellation);
            return 0;
        });
        return command;
    }

    /// <summary>
    /// Each project budget of the configuration against what the usage ledger says the project spent in the current UTC
    /// day or month (the same prices the router admits requests by).
    /// </summary>
    private static async Task PrintBudgetsAsync(RouterConfig.RouterConfig config, string? onlyProject, HttpClient http, string baseUrl, string adminKey, CancellationToken cancellation)
    {
        var now = DateTimeOffset.UtcNow;
        var day = new DateTimeOffset(now.Year, now.Month, now.Day, 0, 0, 0, TimeSpan.Zero);
        var month = new DateTimeOffset(now.Year, now.Month, 1, 0, 0, 0, TimeSpan.Zero);
        var rows = new List<string[]>();
        foreach (var (name, project) in config.Projects.Where(p => onlyProject is null || p.Key == onlyProject).OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            foreach (var (period, budget, start, reset) in new[] { ("day", project?.Quota?.BudgetPerDay, day, day.AddDays(1)), ("month", project?.Quota?.BudgetPerMonth, month, month.AddMonths(1)) })
            {
                if (budget is not { } limit)
                {
                    continue;
                }
                using var request = new HttpRequestMessage(HttpMethod.Get,
                    $"{baseUrl}/usage?project={Uri.EscapeDataString(name)}&since={(long)Math.Ceiling((now - start).TotalSeconds)}s&format=json");
                request.Headers.Add(AdminCredential.Header, adminKey);
                using var response = await http.SendAsync(request, cancellation);
                var spent = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellation)).RootElement.GetProperty("total").GetProperty("cost").GetDouble();
                rows.Add([name, period, Usd(spent), Usd(limit), Usd(Math.Max(0, limit - spent)), reset.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)]);
            }
        }
        if (rows.Count > 0)
        {
            Console.WriteLine();
            Table.Print(["PROJECT", "BUDGET PER", "SPENT", "BUDGET", "LEFT", "RESETS (UTC)"], rows);
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
