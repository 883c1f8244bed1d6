using System.CommandLine;
using System.Globalization;
using GenAiRouter.Contracts.V1;
using GenAiRouter.Hosting;
using GenAiRouter.RouterConfig;
using Grpc.Core;
using Grpc.Net.Client;

namespace GenAiRouter.Cli.Tokens;

/// <summary><c>genai-router token issue|list|revoke</c>: caller tokens, through the auth service's admin API.</summary>
public static class TokenCommands
{
    public static Command Create()
    {
        var command = new Command("token", "Issue, list and revoke caller tokens (needs the admin credential)");
        command.Subcommands.Add(Issue());
        command.Subcommands.Add(List());
        command.Subcommands.Add(Revoke());
        command.Subcommands.Add(Limits());
        return command;
    }

    /// <summary>--rpm, --tpm, --concurrency and --budget, as <c>token issue</c> and <c>token limits</c> take them.</summary>
    private sealed record QuotaOptions(Option<string> Rpm, Option<string> Tpm, Option<string> Concurrency, Option<string> Budget)
    {
        private const double MaxBudget = 1_000_000_000;

        public static QuotaOptions AddTo(Command command)
        {
            var options = new QuotaOptions(
                new Option<string>("--rpm") { Description = "Requests per minute" },
                new Option<string>("--tpm") { Description = "Tokens (input plus output) per minute" },
                new Option<string>("--concurrency") { Description = "Requests in flight at once" },
                new Option<string>("--budget") { Description = "Spend in USD per UTC day or month, e.g. 50/month or 5/day (both: 5/day,50/month)" });
            command.Options.Add(options.Rpm);
            command.Options.Add(options.Tpm);
            command.Options.Add(options.Concurrency);
            command.Options.Add(options.Budget);
            return options;
        }

        /// <summary>The quota the options name (a limit left out is none), or why they are wrong.</summary>
        public (Quota? Quota, string? Problem) Read(ParseResult parse)
        {
            var quota = new Quota();
            foreach (var (option, max, set) in new (Option<string>, long, Action<long>)[]
            {
                (Rpm, int.MaxValue, n => quota.RequestsPerMinute = (int)n),
                (Tpm, long.MaxValue / 4, n => quota.TokensPerMinute = n),
                (Concurrency, int.MaxValue, n => quota.ConcurrentRequests = (int)n),
            })
            {
                if (parse.GetValue(option) is not { } text)
                {
                    continue;
                }
                if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n < 1 || n > max)
                {
                    return (null, $"{option.Name} must be a whole number from 1 to {max.ToString(CultureInfo.InvariantCulture)} (leave it out for no limit), got '{text}'");
                }
                set(n);
            }
            var budgets = Split(parse.GetValue(Budget));
            if (parse.GetValue(Budget) is { } raw && budgets.Length != raw.Split(',').Length)
            {
                return (null, $"--budget has an empty entry: '{raw}'");
            }
            foreach (var budget in budgets)
            {
                var parts = budget.Split('/');
                if (parts.Length != 2 || !double.TryParse(parts[0].TrimStart('$'), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var usd) || !(usd > 0 && usd <= MaxBudget))
                {
                    return (null, $"--budget must be an amount in USD above 0 and at most 1000000000 per day or month, like 50/month, got '{budget}'");
                }
                switch (parts[1])
                {
                    case "day" when quota.BudgetPerDay == 0:
                        quota.BudgetPerDay = usd;
                        break;
                    case "month" when quota.BudgetPerMonth == 0:
                        quota.BudgetPerMonth = usd;
                        break;
                    case "day" or "month":
                        return (null, $"--budget names the {parts[1]} twice: '{parse.GetValue(Budget)}'");
                    default:
                        return (null, $"--budget is per day or per month (5/day, 50/month), got '{budget}'");
                }
            }
            return (quota, null);
        }
    }

    private static Command Limits()
    {
        var keyId = new Argument<string>("KEYID") { Description = "The key id shown by `token issue` and `token list`" };
        var command = new Command("limits", "Set a caller token's own rate limits and budgets (replacing them; none given: no limits of its own); every ingress applies them within seconds") { keyId };
        var quotaOptions = QuotaOptions.AddTo(command);
        AddConnection(command, out var config, out var port);
        command.SetAction(async (parse, cancellation) =>
        {
            var (quota, problem) = quotaOptions.Read(parse);
            if (problem is not null)
            {
                return Fail(problem);
            }
            return await CallAsync(parse.GetValue(config), parse.GetValue(port), async (admin, headers) =>
            {
                var reply = await admin.SetQuotaAsync(new SetTokenQuotaRequest { KeyId = parse.GetValue(keyId), Quota = quota }, headers, cancellationToken: cancellation);
                Console.WriteLine($"Limits of key {reply.Info.Caller.KeyId}: {Describe(reply.Info.Caller.Quota)}.");
            });
        });
        return command;
    }

    /// <summary>A quota as the CLI prints it: <c>60 rpm, $50.00/month</c>, or <c>none</c>.</summary>
    private static string Describe(Quota? quota)
    {
        if (quota is null)
        {
            return "none";
        }
        var parts = new List<string>();
        if (quota.RequestsPerMinute > 0)
        {
            parts.Add($"{quota.RequestsPerMinute} rpm");
        }
        if (quota.TokensPerMinute > 0)
        {
            parts.Add($"{quota.TokensPerMinute} tpm");
        }
        if (quota.ConcurrentRequests > 0)
        {
            parts.Add($"{quota.ConcurrentRequests} at once");
        }
        if (quota.BudgetPerDay > 0)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"${quota.BudgetPerDay:0.00}/day"));
        }
        if (quota.BudgetPerMonth > 0)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"${quota.BudgetPerMonth:0.00}/month"));
        }
        return parts.Count == 0 ? "none" : string.Join(", ", parts);
    }

    private static Command Issue()
    {
        var user = new Option<string>("--user") { Required = true, Description = "Who the token is for (lowercase, digits, '-')" };
        var project = new Option<string>("--project") { Required = true, Description = "Project charged for the usage" };
        var env = new Option<string>("--env") { Required = true, Description = "Environment, e.g. dev or prod" };
        var groups = new Option<string>("--groups") { Required = true, Description = "Comma-separated model groups the token may use" };
        var reasoning = new Option<string>("--reasoning") { Description = "Comma-separated groups (of --groups) where the caller may pick reasoning levels" };
        var ttl = new Option<string>("--ttl") { Description = "Lifetime, e.g. 12h, 30d (default 30d)" };
        var command = new Command("issue", "Issue a caller token; it is printed once, on standard output") { user, project, env, groups, reasoning, ttl };
        var quotaOptions = QuotaOptions.AddTo(command);
        AddConnection(command, out var config, out var port);
        command.SetAction(async (parse, cancellation) =>
        {
            var groupList = Split(parse.GetValue(groups));
            var reasoningList = Split(parse.GetValue(reasoning));
            if (reasoningList.Except(groupList, StringComparer.Ordinal).FirstOrDefault() is { } stray)
            {
                return Fail($"--reasoning names '{stray}', which is not in --groups");
            }
            var lifetime = TimeSpan.Zero;
            if (parse.GetValue(ttl) is { } ttlText && !DurationText.TryParse(ttlText, out lifetime))
            {
                return Fail($"--ttl must be a duration like 12h or 30d, got '{ttlText}'");
            }
            var (quota, problem) = quotaOptions.Read(parse);
            if (problem is not null)
            {
                return Fail(problem);
            }
            var request = new IssueTokenRequest
            {
                User = parse.GetValue(user),
                Project = parse.GetValue(project),
                Env = parse.GetValue(env),
                TtlSeconds = (long)lifetime.TotalSeconds,
                Quota = quota,
            };
            request.Grants.Add(groupList.Select(g => new GroupGrant { Group = g, Reasoning = reasoningList.Contains(g) }));
            return await CallAsync(parse.GetValue(config), parse.GetValue(port), async (admin, headers) =>
            {
                var reply = await admin.IssueAsync(request, headers, cancellationToken: cancellation);
                Console.WriteLine(reply.Token);
                var caller = reply.Info.Caller;
                await Console.Error.WriteLineAsync(
                    $"Issued key {caller.KeyId} for {caller.User}/{caller.Project}/{caller.Env}: {Grants(caller)}; limits: {Describe(caller.Quota)}; expires {caller.ExpiresAt.ToDateTimeOffset():yyyy-MM-dd HH:mm}Z. It is shown only this once.");
            });
        });
        return command;
    }

    private static Command List()
    {
        var command = new Command("list", "List caller tokens (never their secrets)");
        AddConnection(command, out var config, out var port);
        command.SetAction((parse, cancellation) => CallAsync(parse.GetValue(config), parse.GetValue(port), async (admin, headers) =>
        {
            var reply = await admin.ListAsync(new ListTokensRequest(), headers, cancellationToken: cancellation);
            var rows = reply.Tokens.Select(t => new[]
            {
                t.Caller.KeyId, t.Caller.User, t.Caller.Project, t.Caller.Env, Grants(t.Caller), Describe(t.Caller.Quota),
                t.Caller.ExpiresAt.ToDateTimeOffset().ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture),
                t.RevokedAt is not null ? "revoked" : t.Caller.ExpiresAt.ToDateTimeOffset() <= DateTimeOffset.UtcNow ? "expired" : "active",
            }).ToList();
            Table.Print(["KEY ID", "USER", "PROJECT", "ENV", "GROUPS", "LIMITS", "EXPIRES (UTC)", "STATUS"], rows);
        }));
        return command;
    }

    private static Command Revoke()
    {
        var keyId = new Argument<string>("KEYID") { Description = "The key id shown by `token issue` and `token list`" };
        var command = new Command("revoke", "Revoke a caller token; every ingress refuses it within seconds") { keyId };
        AddConnection(command, out var config, out var port);
        command.SetAction((parse, cancellation) => CallAsync(parse.GetValue(config), parse.GetValue(port), async (admin, headers) =>
        {
            var reply = await admin.RevokeAsync(new RevokeTokenRequest { KeyId = parse.GetValue(keyId) }, headers, cancellationToken: cancellation);
            Console.WriteLine($"Revoked key {reply.Info.Caller.KeyId} ({reply.Info.Caller.User}/{reply.Info.Caller.Project}/{reply.Info.Caller.Env}).");
        }));
        return command;
    }

    private static void AddConnection(Command command, out Option<FileInfo> config, out Option<int> port)
    {
        config = RouterSetup.ConfigOption();
        port = RouterSetup.PortOption();
        command.Options.Add(config);
        command.Options.Add(port);
    }

    /// <summary>Where the auth service's admin API is: ROUTER_AUTH_URL, else the local router's auth port.</summary>
    internal static string AuthAddress(int basePort) => Environment.GetEnvironmentVariable("ROUTER_AUTH_URL") is { Length: > 0 } url
        ? url
        : $"http://127.0.0.1:{RouterApps.StandalonePorts(RouterApps.Auth, basePort).Grpc}";

    /// <summary>Calls the auth service's admin API.</summary>
    private static async Task<int> CallAsync(FileInfo? configFile, int basePort, Func<TokenAdmin.TokenAdminClient, Metadata, Task> call)
    {
        if (RouterSetup.Load(configFile) is not { } setup)
        {
            return 2;
        }
        if (setup.AdminKey() is not { } adminKey)
        {
            return Fail($"no admin credential: set {setup.Config.AdminKeyEnv} (or start the router once with ./genai-router up, which creates one in {setup.DataDir})");
        }
        var address = AuthAddress(basePort);
        using var channel = GrpcChannel.ForAddress(address);
        try
        {
            await call(new TokenAdmin.TokenAdminClient(channel), new Metadata { { AdminCredential.Header, adminKey } });
            return 0;
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.Unavailable && e.Status.DebugException is not null)
        {
            // The call never reached auth (a server-sent Unavailable, say a service behind auth being down, has its own detail).
            return Fail($"the auth service at {address} is not reachable; is the router up (./genai-router up{(basePort == 8080 ? "" : $" --port {basePort}")})?");
        }
        catch (RpcException e)
        {
            return Fail(e.Status.Detail);
        }
    }

    private static string Grants(Caller caller) =>
        string.Join(", ", caller.Grants.Select(g => g.Reasoning ? $"{g.Group} (reasoning)" : g.Group));

    private static string[] Split(string? list) =>
        list?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [];

    private static int Fail(string message)
    {
        Console.Error.WriteLine($"genai-router: error: {message}");
        return 1;
    }
}
