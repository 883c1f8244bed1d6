using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace GenAiRouter.Ingress.Tests.Quotas;

/// <summary>
/// Rate limits and budgets through the doors of two ingress replicas (the one `up` starts and a second on other
/// ports, as a deployment scales ingress) sharing their counters in a real Redis.
/// </summary>
public sealed class QuotaEndToEndTests : IAsyncLifetime
{
    private const int RequestsPerMinute = 6;
    private const double BudgetPerDay = 0.05;

    private static readonly HttpClient Http = new();

    private RedisServer _redis = null!;
    private ScriptedUpstream _upstream = null!;
    private ScriptedUpstream _slow = null!;
    private LocalRouter _router = null!;
    private RouterProcess? _second;
    private Uri _secondBaseUrl = null!;
    private int _secondHttpPort;
    private string _token = "";
    private string _budgetToken = "";

    private string? _skipped;

    public async ValueTask InitializeAsync()
    {
        try
        {
            _redis = await RedisServer.StartAsync();
        }
        catch (Exception e) when (e.GetType().Name == "SkipException")
        {
            _skipped = e.Message; // each test says why it is skipped
            return;
        }
        _upstream = await ScriptedUpstream.StartAsync();
        _slow = await ScriptedUpstream.StartAsync();
        _slow.Reply = async (http, _) =>
        {
            await Task.Delay(TimeSpan.FromSeconds(2));
            await ScriptedUpstream.WriteJsonAsync(http, 200, ScriptedUpstream.CompletedResponse("slowly"));
        };
        _router = await LocalRouter.StartAsync($$"""
            projects:
              thrifty:
                quota: { budget_per_day: {{BudgetPerDay.ToString(CultureInfo.InvariantCulture)}} }
            groups:
              limited:
                quota: { rpm: {{RequestsPerMinute}} }
                targets:
                  - { name: t, api: responses, base_url: {{_upstream.BaseUrl}}, model: m, capabilities: [streaming] }
              claude:
                quota: { rpm: {{RequestsPerMinute}} }
                targets:
                  - { name: c, api: messages, base_url: {{_upstream.BaseUrl}}, model: claude-m, capabilities: [streaming] }
              metered:
                quota: { tpm: 30 }
                targets:
                  - { name: u, api: responses, base_url: {{_upstream.BaseUrl}}, model: m, capabilities: [streaming] }
              narrow:
                quota: { concurrency: 2 }
                targets:
                  - { name: s, api: responses, base_url: {{_slow.BaseUrl}}, model: m, capabilities: [streaming] }
              priced:
                quota: { budget_per_month: 1 }
                targets:
                  - { name: p, api: responses, base_url: {{_upstream.BaseUrl}}, model: m, capabilities: [streaming], prices: { input_per_mtok: 1000, output_per_mtok: 1000 } }
            """, new() { ["ROUTER_REDIS"] = _redis.ConnectionString });
        _token = await _router.IssueTokenAsync("--groups", "limited,claude,metered,narrow");
        _budgetToken = (await _router.RunCliAsync("token", "issue", "--user", "bob", "--project", "thrifty", "--env", "dev", "--groups", "priced")).Trim();

        // A second ingress replica: the first one's settings, other ports.
        var environment = new Dictionary<string, string>(LocalRouter.EnvironmentOf(_router.ServiceProcesses()["ingress"]));
        var ports = RouterProcess.FreePortRange();
        environment["Router__HttpPort"] = ports.ToString(CultureInfo.InvariantCulture);
        environment["Router__PublicPort"] = (ports + 1).ToString(CultureInfo.InvariantCulture);
        _second = RouterProcess.Service("GenAiRouter.Ingress", environment);
        _secondBaseUrl = new Uri($"http://127.0.0.1:{ports + 1}/v1/");
        _secondHttpPort = ports;
        await _second.WaitForOutputAsync("Application started", TimeSpan.FromSeconds(60));
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while ((await Http.GetAsync($"http://127.0.0.1:{ports}/readyz")).StatusCode != HttpStatusCode.OK && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200);
        }
    }

    [Fact]
    public async Task A_burst_across_two_replicas_gets_exactly_the_requests_per_minute_and_the_rest_a_429_that_says_when()
    {
        RequireRedis();
        await AwayFromTheMinutesEndAsync();

        var answers = await Task.WhenAll(Enumerable.Range(0, 24).Select(i => SendAsync(i % 2 == 0 ? _router.BaseUrl : _secondBaseUrl, "responses", "limited", _token)));

        Assert.True(RequestsPerMinute == answers.Count(a => a.Status == HttpStatusCode.OK), string.Join("\n", answers.Select(a =>
            $"{(int)a.Status} {a.Headers.GetValueOrDefault("x-ratelimit-remaining-requests")} {a.Headers.GetValueOrDefault("x-router-cache")} {a.Json.ToString()[..Math.Min(80, a.Json.ToString().Length)]}")));
        var refused = answers.Where(a => a.Status != HttpStatusCode.OK).ToList();
        Assert.All(refused, a =>
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, a.Status);
            Assert.Equal("rate_limit_exceeded", a.Json.GetProperty("error").GetProperty("code").GetString());
            Assert.Contains($"{RequestsPerMinute} requests per minute", a.Json.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
            Assert.Equal(RequestsPerMinute.ToString(CultureInfo.InvariantCulture), a.Headers["x-ratelimit-limit-requests"]);
            Assert.Equal("0", a.Headers["x-ratelimit-remaining-requests"]);
            Assert.Matches("^[0-9]+s$", a.Headers["x-ratelimit-reset-requests"]);
            Assert.InRange(int.Parse(a.Headers["Retry-After"], CultureInfo.InvariantCulture), 1, 60);
        });
        var admitted = answers.Where(a => a.Status == HttpStatusCode.OK).Select(a => int.Parse(a.Headers["x-ratelimit-remaining-requests"], CultureInfo.InvariantCulture)).Order();
        Assert.Equal(Enumerable.Range(0, RequestsPerMinute).Reverse().Order(), admitted);
        // Each replica counts the refusals it made; together, every one.
        var refusals = 0.0;
        foreach (var port in new[] { GenAiRouter.Hosting.RouterApps.StandalonePorts(GenAiRouter.Hosting.RouterApps.Ingress, _router.Port).Http, _secondHttpPort })
        {
            var scrape = await Http.GetStringAsync($"http://127.0.0.1:{port}/metrics");
            refusals += scrape.Split('\n').Where(l => l.StartsWith("router_quota_refusals_total{", StringComparison.Ordinal) && l.Contains("limit=\"requests_per_minute\"", StringComparison.Ordinal)
                && l.Contains("scope=\"group\"", StringComparison.Ordinal)).Sum(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture));
        }
        Assert.Equal(refused.Count, refusals);
        // Refusals are usage events too, with their status, so a platform team sees them.
        var usage = JsonDocument.Parse(await _router.RunCliAsync("usage", "--group", "limited", "--since", "1d", "--format", "json")).RootElement;
        Assert.True(usage.GetProperty("total").GetProperty("requests").GetInt64() >= 1);
    }

    [Fact]
    public async Task Tokens_per_minute_count_what_the_upstream_reported_across_both_replicas()
    {
        RequireRedis();
        await AwayFromTheMinutesEndAsync();

        // Each request is estimated at its size (about 11 tokens) and settles at the 13 the upstream reports: 13, then
        // 26, then 26 + 11 is over 30.
        var answers = new List<Answer>();
        for (var i = 0; i < 3; i++)
        {
            answers.Add(await SendAsync(i % 2 == 0 ? _router.BaseUrl : _secondBaseUrl, "responses", "metered", _token));
            await Task.Delay(200);
        }

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], answers.Select(a => a.Status));
        Assert.Equal("30", answers[^1].Headers["x-ratelimit-limit-tokens"]);
        Assert.Contains("30 tokens per minute", answers[^1].Json.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Requests_at_once_are_limited_across_both_replicas_and_free_again_when_they_finish()
    {
        RequireRedis();

        var answers = await Task.WhenAll(Enumerable.Range(0, 6).Select(i => SendAsync(i % 2 == 0 ? _router.BaseUrl : _secondBaseUrl, "responses", "narrow", _token)));

        Assert.Equal(2, answers.Count(a => a.Status == HttpStatusCode.OK));
        Assert.All(answers.Where(a => a.Status != HttpStatusCode.OK), a =>
            Assert.Contains("2 requests at once", a.Json.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal));
        await Task.Delay(200); // the two settle moments after their last byte
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(_secondBaseUrl, "responses", "narrow", _token)).Status);
    }

    [Fact]
    public async Task The_messages_door_answers_in_anthropics_terms()
    {
        RequireRedis();
        await AwayFromTheMinutesEndAsync();

        var answers = new List<Answer>();
        for (var i = 0; i <= RequestsPerMinute; i++)
        {
            answers.Add(await SendAsync(i % 2 == 0 ? _router.BaseUrl : _secondBaseUrl, "messages", "claude", _token));
        }

        Assert.All(answers.Take(RequestsPerMinute), a => Assert.Equal(HttpStatusCode.OK, a.Status));
        var last = answers[^1];
        Assert.Equal(HttpStatusCode.TooManyRequests, last.Status);
        Assert.Equal("rate_limit_error", last.Json.GetProperty("error").GetProperty("type").GetString());
        Assert.Equal(RequestsPerMinute.ToString(CultureInfo.InvariantCulture), last.Headers["anthropic-ratelimit-requests-limit"]);
        Assert.Equal("0", last.Headers["anthropic-ratelimit-requests-remaining"]);
        Assert.True(DateTimeOffset.TryParse(last.Headers["anthropic-ratelimit-requests-reset"], CultureInfo.InvariantCulture, out _));
        Assert.False(last.Headers.ContainsKey("x-ratelimit-limit-requests"));
    }

    [Fact]
    public async Task A_budget_admits_until_spent_reaches_it_even_with_the_usage_service_frozen_then_refuses_with_insufficient_quota_and_the_ledger_agrees()
    {
        RequireRedis();
        // Each answer reports 10 input and 3 output tokens: $0.013 at $1,000 per million. The usage service is frozen
        // meanwhile (SIGSTOP): the budget is kept by ingress's own counters, not by the usage ledger.
        var usageService = _router.ServiceProcesses()["usage"];
        Signal("STOP", usageService);
        var answers = new List<Answer>();
        try
        {
            for (var i = 0; i < 6; i++)
            {
                answers.Add(await SendAsync(i % 2 == 0 ? _router.BaseUrl : _secondBaseUrl, "responses", "priced", _budgetToken));
                // A request settles moments after its last byte; until then its hold (up to 4,096 output tokens) counts.
                await Task.Delay(200);
            }
        }
        finally
        {
            Signal("CONT", usageService);
        }

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests],
            answers.Select(a => a.Status));
        var refusal = answers[^1].Json.GetProperty("error");
        Assert.Equal("insufficient_quota", refusal.GetProperty("code").GetString());
        Assert.Contains("daily budget of project 'thrifty' ($0.05)", refusal.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Contains("resets at", refusal.GetProperty("message").GetString(), StringComparison.Ordinal);

        // The ledger: four answered requests at $0.013 is $0.052, the one request's overshoot past $0.05.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        double cost;
        do
        {
            var usage = JsonDocument.Parse(await _router.RunCliAsync("usage", "--project", "thrifty", "--since", "1d", "--format", "json")).RootElement;
            cost = usage.GetProperty("total").GetProperty("cost").GetDouble();
        }
        while (Math.Round(cost, 3) < 0.052 && DateTime.UtcNow < deadline && await Pause());
        Assert.Equal(0.052, Math.Round(cost, 6));

        // The usage report shows the budget against what was spent.
        var report = await _router.RunCliAsync("usage", "--project", "thrifty", "--since", "1d");
        var budget = report.Split('\n').Single(line => line.StartsWith("project thrifty", StringComparison.Ordinal));
        Assert.Equal(["project", "thrifty", "day", "$0.0520", "$0.0500", "$0.0000"], budget.Split(' ', StringSplitOptions.RemoveEmptyEntries)[..6]);
        // The group's budget applies to each token granted the group: this token's spend in it, against it.
        var keyId = _budgetToken.Split('_')[5];
        var inGroup = report.Split('\n').Single(line => line.StartsWith($"token {keyId} (bob/thrifty/dev) in priced", StringComparison.Ordinal));
        Assert.Equal(["month", "$0.0520", "$1.0000", "$0.9480"], inGroup.Split(' ', StringSplitOptions.RemoveEmptyEntries)[5..9]);
    }

    private static void Signal(string signal, int pid)
    {
        using var kill = System.Diagnostics.Process.Start("kill", [$"-{signal}", pid.ToString(CultureInfo.InvariantCulture)])!;
        kill.WaitForExit();
    }

    private void RequireRedis()
    {
        if (_skipped is not null)
        {
            throw Xunit.Sdk.SkipException.ForSkip(_skipped);
        }
    }

    [Fact]
    public async Task A_tokens_own_limits_set_at_issue_and_changed_with_the_cli_apply_within_seconds_and_go_with_the_token()
    {
        RequireRedis();
        await AwayFromTheMinutesEndAsync();
        var token = (await _router.RunCliAsync("token", "issue", "--user", "carol", "--project", "web", "--env", "dev", "--groups", "limited", "--rpm", "2", "--budget", "5/day,50/month")).Trim();
        var keyId = token.Split('_')[5];
        Assert.Contains("2 rpm, $5.00/day, $50.00/month", await _router.RunCliAsync("token", "list"), StringComparison.Ordinal);
        // The usage report shows the token's own budgets, (the group has none).
        var usageReport = await _router.RunCliAsync("usage", "--since", "1d");
        var budgets = usageReport.Split('\n').Where(l => l.StartsWith($"token {keyId} (carol/web/dev)", StringComparison.Ordinal)).ToList();
        Assert.True(budgets.Count == 2, usageReport);
        Assert.Equal([$"token {keyId} (carol/web/dev) day $0.0000 $5.0000 $5.0000", $"token {keyId} (carol/web/dev) month $0.0000 $50.0000 $50.0000"],
            budgets.Select(l => string.Join(' ', l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[..7])).ToList());


        var answers = new List<Answer>();
        for (var i = 0; i < 3; i++)
        {
            answers.Add(await SendAsync(i % 2 == 0 ? _router.BaseUrl : _secondBaseUrl, "responses", "limited", token));
        }
        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], answers.Select(a => a.Status));
        Assert.Contains("your caller token: 2 requests per minute", answers[^1].Json.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);

        // Raised with the CLI: admitted again within seconds (the group's 6 per token is the tightest now). The change
        // travels on the token-revoked topic: `up` subscribes its own ingress; in a deployment every replica is
        // subscribed through Dapr's broadcast pub/sub (the hand-started replica here is not, and catches up when its
        // cached validation lapses, within a minute).
        Assert.Contains("10 rpm", await _router.RunCliAsync("token", "limits", keyId, "--rpm", "10"), StringComparison.Ordinal);
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while ((await SendAsync(_router.BaseUrl, "responses", "limited", token)).Status != HttpStatusCode.OK)
        {
            Assert.True(DateTime.UtcNow < deadline, "still refused after the limit was raised");
            await Task.Delay(300);
        }

        // Revoked: its counters go from Redis, and the token is refused.
        await using var redis = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(_redis.ConnectionString);
        var server = redis.GetServer(redis.GetEndPoints().Single());
        Assert.NotEmpty(server.Keys(pattern: $"router:quota:{{*token:{keyId}}}:*"));
        await _router.RunCliAsync("token", "revoke", keyId);
        var gone = DateTime.UtcNow.AddSeconds(15);
        while (server.Keys(pattern: $"router:quota:{{*token:{keyId}}}:*").Any())
        {
            Assert.True(DateTime.UtcNow < gone, "the revoked token's counters are still in Redis");
            await Task.Delay(200);
        }
        Assert.Equal(HttpStatusCode.Unauthorized, (await SendAsync(_router.BaseUrl, "responses", "limited", token)).Status);
    }

    /// <summary>A burst that straddles a minute boundary would meet two windows; start it in the same one.</summary>
    private static async Task AwayFromTheMinutesEndAsync()
    {
        if (DateTime.UtcNow.Second >= 50)
        {
            await Task.Delay(TimeSpan.FromSeconds(61 - DateTime.UtcNow.Second));
        }
    }

    private static async Task<bool> Pause()
    {
        await Task.Delay(300);
        return true;
    }

    private sealed record Answer(HttpStatusCode Status, JsonElement Json, Dictionary<string, string> Headers);

    private static async Task<Answer> SendAsync(Uri baseUrl, string door, string group, string token)
    {
        var body = door == "messages"
            ? $$"""{"model":"{{group}}","max_tokens":64,"messages":[{"role":"user","content":"hello"}]}"""
            : $$"""{"model":"{{group}}","input":"hello"}""";
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(baseUrl, door)) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var answer = await Http.SendAsync(request);
        var headers = answer.Headers.Concat(answer.Content.Headers).ToDictionary(h => h.Key, h => string.Join(",", h.Value), StringComparer.OrdinalIgnoreCase);
        return new Answer(answer.StatusCode, JsonDocument.Parse(await answer.Content.ReadAsStringAsync()).RootElement.Clone(), headers);
    }

    public async ValueTask DisposeAsync()
    {
        if (_second is not null)
        {
            await _second.DisposeAsync();
        }
        if (_router is not null)
        {
            await _router.DisposeAsync();
            await _upstream.DisposeAsync();
            await _slow.DisposeAsync();
            await _redis.DisposeAsync();
        }
    }
}
