using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace GenAiRouter.Cli.Tests;

/// <summary>Caller tokens as a platform team and a developer use them: through `up`, the CLI and /v1/models.</summary>
public sealed class TokensEndToEndTests : IAsyncLifetime
{
    private const string Config = """
        issuer: metrum
        groups:
          big-coder:
            description: Coding models
            reasoning: { levels: [low, medium, high], default: medium }
            targets:
              - { name: a, api: responses, base_url: http://127.0.0.1:9/v1, model: m, capabilities: [reasoning] }
          small:
            targets:
              - { name: b, api: responses, base_url: http://127.0.0.1:9/v1, model: m }
        """;

    private readonly HttpClient _http = new();
    private LocalRouter _router = null!;

    public async ValueTask InitializeAsync() => _router = await LocalRouter.StartAsync(Config);

    [Fact]
    public async Task Models_lists_exactly_the_tokens_groups_with_reasoning_only_where_granted()
    {
        var reasoner = await IssueAsync("--groups", "big-coder,small", "--reasoning", "big-coder");
        var plain = await IssueAsync("--groups", "big-coder");

        var both = await ModelsAsync(reasoner);
        var one = await ModelsAsync(plain);

        Assert.Equal(["big-coder", "small"], both.GetProperty("data").EnumerateArray().Select(m => m.GetProperty("id").GetString()));
        var bigCoder = both.GetProperty("data")[0];
        Assert.Equal(["low", "medium", "high"], bigCoder.GetProperty("supported_reasoning_levels").EnumerateArray().Select(l => l.GetProperty("effort").GetString()));
        Assert.Equal("medium", bigCoder.GetProperty("default_reasoning_level").GetString());
        Assert.False(both.GetProperty("data")[1].TryGetProperty("supported_reasoning_levels", out _), "small offers no reasoning levels");
        var only = Assert.Single(one.GetProperty("data").EnumerateArray());
        Assert.Equal("big-coder", only.GetProperty("id").GetString());
        Assert.False(only.TryGetProperty("supported_reasoning_levels", out _), "reasoning was not granted");
        Assert.False(only.TryGetProperty("default_reasoning_level", out _), "reasoning was not granted");
    }

    [Fact]
    public async Task A_revoked_token_is_refused_by_ingress_within_five_seconds_even_after_a_cached_success()
    {
        var token = await IssueAsync("--groups", "small");
        await ModelsAsync(token);

        await _router.RunCliAsync("token", "revoke", token.Split('_')[5]);

        await UpCommandTests.WaitUntilAsync(() => Status(token) == HttpStatusCode.Unauthorized, TimeSpan.FromSeconds(5), "revoked token still accepted after 5 s");
        Assert.Contains("revoked", await Body(token), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_expired_token_is_refused_with_a_message_saying_so()
    {
        var token = await IssueAsync("--groups", "small", "--ttl", "1s");

        await Task.Delay(TimeSpan.FromSeconds(1.5));

        Assert.Equal(HttpStatusCode.Unauthorized, Status(token));
        Assert.Contains("expired", await Body(token), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tokens_survive_a_restart_and_the_list_never_shows_a_secret()
    {
        var token = await IssueAsync("--groups", "small");
        await _router.StopAsync();
        await _router.StartAsync();

        Assert.Equal(HttpStatusCode.OK, Status(token));
        var list = await _router.RunCliAsync("token", "list");
        Assert.Contains(token.Split('_')[5], list, StringComparison.Ordinal);
        Assert.DoesNotContain(token.Split('_')[6], list, StringComparison.Ordinal);
        Assert.DoesNotContain(token.Split('_')[6], _router.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, "Missing caller token")]
    [InlineData("Bearer sk-not-a-router-token", "Malformed caller token")]
    [InlineData("Basic dXNlcjpwYXNz", "Malformed caller token")]
    [InlineData("Bearer rtr_metrum_alice_web_dev_k3j4h5g6f7_abcdefghijABCDEFGHIJ0123456789klmnopqrstuvw", "not known")]
    public async Task Bad_tokens_get_a_401_in_openai_shape_that_never_echoes_the_token(string? authorization, string message)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, Models());
        if (authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        }

        using var response = await _http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        using var json = JsonDocument.Parse(body);
        Assert.Equal("invalid_api_key", json.RootElement.GetProperty("error").GetProperty("code").GetString());
        Assert.Contains(message, json.RootElement.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
        if (authorization is not null)
        {
            Assert.DoesNotContain(authorization.Split(' ')[1], body, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task An_edited_configuration_reaches_ingress_without_a_restart_and_a_broken_edit_is_ignored()
    {
        var token = await IssueAsync("--groups", "big-coder");

        await File.WriteAllTextAsync(_router.ConfigPath, Config.Replace("Coding models", "Coding models, now faster", StringComparison.Ordinal));
        await UpCommandTests.WaitUntilAsync(() => DescriptionAsync(token).Result == "Coding models, now faster", TimeSpan.FromSeconds(15), "the edit never reached /v1/models");

        await File.WriteAllTextAsync(_router.ConfigPath, "groups: { big-coder: ");
        await UpCommandTests.WaitUntilAsync(() => _router.Output.Contains("Kept catalog version 2", StringComparison.Ordinal), TimeSpan.FromSeconds(15),
            "the broken edit was never reported");

        Assert.Equal("Coding models, now faster", await DescriptionAsync(token));
    }

    [Fact]
    public async Task A_huge_authorization_header_is_refused_cleanly()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, Models());
        request.Headers.TryAddWithoutValidation("Authorization", "Bearer rtr_" + new string('a', 16_000));

        using var response = await _http.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Issuing_for_an_unknown_group_or_bad_name_says_what_is_wrong()
    {
        await using var unknown = _router.StartCli("token", "issue", "--user", "alice", "--project", "web", "--env", "dev", "--groups", "huge-coder");
        await using var badName = _router.StartCli("token", "issue", "--user", "al_ice", "--project", "web", "--env", "dev", "--groups", "small");

        Assert.Equal(1, await unknown.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(1, await badName.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal("genai-router: error: unknown group 'huge-coder' (known: big-coder, small)", unknown.Stderr.TrimEnd());
        Assert.Equal("genai-router: error: user must be lowercase letters, digits and '-' (no underscores), got 'al_ice'", badName.Stderr.TrimEnd());
    }

    [Theory]
    [InlineData("--budget", "5/week", "--budget is per day or per month (5/day, 50/month), got '5/week'")]
    [InlineData("--budget", "lots/month", "--budget must be an amount in USD above 0 and at most 1000000000 per day or month, like 50/month, got 'lots/month'")]
    [InlineData("--budget", "0/day", "--budget must be an amount in USD above 0 and at most 1000000000 per day or month, like 50/month, got '0/day'")]
    [InlineData("--budget", "NaN/day", "--budget must be an amount in USD above 0 and at most 1000000000 per day or month, like 50/month, got 'NaN/day'")]
    [InlineData("--budget", "5/day,7/day", "--budget names the day twice: '5/day,7/day'")]
    [InlineData("--budget", "5/day,", "--budget has an empty entry: '5/day,'")]
    [InlineData("--rpm", "abc", "--rpm must be a whole number from 1 to 2147483647 (leave it out for no limit), got 'abc'")]
    [InlineData("--tpm", "0", "--tpm must be a whole number from 1 to 2305843009213693951 (leave it out for no limit), got '0'")]
    public async Task Bad_limits_are_refused_saying_which(string option, string value, string message)
    {
        await using var issue = _router.StartCli("token", "issue", "--user", "alice", "--project", "web", "--env", "dev", "--groups", "small", option, value);
        await using var limits = _router.StartCli("token", "limits", "k3y1d2ab9x", option, value);

        Assert.Equal(1, await issue.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(1, await limits.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal($"genai-router: error: {message}", issue.Stderr.TrimEnd());
        Assert.Equal($"genai-router: error: {message}", limits.Stderr.TrimEnd());
    }

    public async ValueTask DisposeAsync()
    {
        await _router.DisposeAsync();
        _http.Dispose();
    }

    private Task<string> IssueAsync(params string[] grants) => _router.IssueTokenAsync(grants);

    private Uri Models() => new(_router.BaseUrl, "models");

    private async Task<JsonElement> ModelsAsync(string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, Models());
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await _http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    private async Task<string?> DescriptionAsync(string token) =>
        (await ModelsAsync(token)).GetProperty("data")[0].GetProperty("description").GetString();

    private HttpStatusCode Status(string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, Models());
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = _http.Send(request);
        return response.StatusCode;
    }

    private async Task<string> Body(string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, Models());
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await _http.SendAsync(request);
        return await response.Content.ReadAsStringAsync();
    }
}
