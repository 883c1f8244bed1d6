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
        return command;
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
            var request = new IssueTokenRequest
            {
                User = parse.GetValue(user),
                Project = parse.GetValue(project),
                Env = parse.GetValue(env),
                TtlSeconds = (long)lifetime.TotalSeconds,
            };
            request.Grants.Add(groupList.Select(g => new GroupGrant { Group = g, Reasoning = reasoningList.Contains(g) }));
            return await CallAsync(parse.GetValue(config), parse.GetValue(port), async (admin, headers) =>
            {
                var reply = await admin.IssueAsync(request, headers, cancellationToken: cancellation);
                Console.WriteLine(reply.Token);
                var caller = reply.Info.Caller;
                await Console.Error.WriteLineAsync(
                    $"Issued key {caller.KeyId} for {caller.User}/{caller.Project}/{caller.Env}: {Grants(caller)}; expires {caller.ExpiresAt.ToDateTimeOffset():yyyy-MM-dd HH:mm}Z. It is shown only this once.");
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
                t.Caller.KeyId, t.Caller.User, t.Caller.Project, t.Caller.Env, Grants(t.Caller),
                t.Caller.ExpiresAt.ToDateTimeOffset().ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture),
                t.RevokedAt is not null ? "revoked" : t.Caller.ExpiresAt.ToDateTimeOffset() <= DateTimeOffset.UtcNow ? "expired" : "active",
            }).ToList();
            Table.Print(["KEY ID", "USER", "PROJECT", "ENV", "GROUPS", "EXPIRES (UTC)", "STATUS"], rows);
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

    /// <summary>Calls the auth service's admin API: ROUTER_AUTH_URL, else the local router's auth port.</summary>
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
        var address = Environment.GetEnvironmentVariable("ROUTER_AUTH_URL") is { Length: > 0 } url
            ? url
            : $"http://127.0.0.1:{RouterApps.StandalonePorts(RouterApps.Auth, basePort).Grpc}";
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
