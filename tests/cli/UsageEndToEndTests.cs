
namespace GenAiRouter.Cli.Tests;

/// <summary>`genai-router usage` as a platform team uses it after developers sent requests through `up`.</summary>
public sealed class UsageEndToEndTests : IAsyncLifetime
{
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };
    private ScriptedUpstream _upstream = null!;
    private LocalRouter _router = null!;

    public async ValueTask InitializeAsync()
    {
        _upstream = await ScriptedUpstream.StartAsync();
        _router = await LocalRouter.StartAsync($$"""
            groups:
              coder:
                targets:
                  - { name: up, api: responses, base_url: {{_upstream.BaseUrl}}, model: m, capabilities: [streaming], prices: { input_per_mtok: 2, output_per_mtok: 8 } }
              broken:
                targets:
                  - { name: down, api: responses, base_url: http://127.0.0.1:9/v1, model: m }
            """);
    }

    [Fact]
    public async Task Requests_sent_through_the_router_show_up_per_project_as_a_table_csv_and_json()
    {
        var web = await _router.IssueTokenAsync("--groups", "coder,broken");
        var api = (await _router.RunCliAsync("token", "issue", "--user", "bob", "--project", "api", "--env", "prod", "--groups", "coder")).Trim();
        await SendAsync(web, """{"model":"coder","input":"one"}""");
        await SendAsync(web, """{"model":"coder","input":"two","stream":true}""");
        await SendAsync(web, """{"model":"broken","input":"three"}""");
        await SendAsync(api, """{"model":"coder","input":"four"}""");

        var csv = await WaitForCsvAsync("web", requests: 3);
        var total = csv.Last().Split(',');
        // day,requests,input_tokens,cached_input_tokens,cache_write_tokens,output_tokens,reasoning_tokens,images,cost_usd,cache_hits,errors
        Assert.Equal(("total", "3", "20", "6", "1"), (total[0], total[1], total[2], total[5], total[10]));
        Assert.Equal(2 * ((10 * 2) + (3 * 8)) / 1e6, double.Parse(total[8], System.Globalization.CultureInfo.InvariantCulture), 9);

        var table = await _router.RunCliAsync("usage", "--project", "web", "--since", "1d");
        var lines = table.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("DAY (UTC)", lines[0], StringComparison.Ordinal);
        Assert.Matches(@"^total\s+3\s+20\s+0\s+0\s+6\s+0\s+0\s+\$0\.0001\s+0\s+1\s*$", lines[^1]);

        var json = await _router.RunCliAsync("usage", "--project", "api", "--format", "json");
        Assert.Contains("\"requests\":1", json, StringComparison.Ordinal);
        var byGroup = await _router.RunCliAsync("usage", "--group", "broken", "--format", "csv");
        Assert.StartsWith("total,1,", byGroup.Split('\n', StringSplitOptions.RemoveEmptyEntries).Last(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_the_admin_credential_usage_is_refused_and_a_bad_range_is_named()
    {
        await using var wrongKey = RouterProcess.Cli(new Dictionary<string, string> { ["ROUTER_ADMIN_KEY"] = "not-the-key", ["XDG_STATE_HOME"] = "/nonexistent" },
            "usage", "--config", _router.ConfigPath, "--port", _router.Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(1, await wrongKey.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains("admin credential", wrongKey.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("not-the-key", wrongKey.Stderr + wrongKey.Stdout, StringComparison.Ordinal);

        await using var badRange = _router.StartCli("usage", "--since", "forever");
        Assert.Equal(1, await badRange.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains("'since' must be a duration like 24h or 7d", badRange.Stderr, StringComparison.Ordinal);
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _router.DisposeAsync();
        await _upstream.DisposeAsync();
    }

    private async Task SendAsync(string token, string body)
    {
        using var request = RouterHttp.Responses(_router.BaseUrl, token, body);
        using var response = await _http.SendAsync(request);
        await response.Content.ReadAsStringAsync();
    }

    /// <summary>Usage is delivered off the request path; polls until the project shows the requests.</summary>
    private async Task<string[]> WaitForCsvAsync(string project, int requests)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var lines = (await _router.RunCliAsync("usage", "--project", project, "--format", "csv")).Split('\n', StringSplitOptions.RemoveEmptyEntries);
            if (lines.Last().StartsWith($"total,{requests},", StringComparison.Ordinal) || DateTime.UtcNow > deadline)
            {
                Assert.StartsWith($"total,{requests},", lines.Last(), StringComparison.Ordinal);
                return lines;
            }
            await Task.Delay(250);
        }
    }
}
