using System.Diagnostics;
using System.Net;
using System.Text.Json;
using GenAiRouter.Hosting;

namespace GenAiRouter.Cli.Tests;

/// <summary>`up` keeps the router serving when one of its services dies, and loses nothing on the way.</summary>
public sealed class SupervisionTests : IAsyncLifetime
{
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };
    private ScriptedUpstream _upstream = null!;
    private LocalRouter _router = null!;
    private string _token = "";

    public async ValueTask InitializeAsync()
    {
        _upstream = await ScriptedUpstream.StartAsync();
        _router = await LocalRouter.StartAsync($$"""
            groups:
              coder:
                targets:
                  - { name: up, api: responses, base_url: {{_upstream.BaseUrl}}, model: m, capabilities: [streaming] }
            """);
        _token = await _router.IssueTokenAsync("--groups", "coder");
    }

    [Fact]
    public async Task The_usage_service_killed_under_load_comes_back_ingress_keeps_serving_and_every_answer_is_metered()
    {
        var answered = 0;
        using var load = new CancellationTokenSource(TimeSpan.FromSeconds(8));
        var callers = Enumerable.Range(0, 8).Select(async caller =>
        {
            var i = 0;
            while (!load.IsCancellationRequested)
            {
                using var request = RouterHttp.Responses(_router.BaseUrl, _token, $$"""{"model":"coder","input":"load {{caller}}-{{i++}}"}""");
                using var response = await _http.SendAsync(request);
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                Interlocked.Increment(ref answered);
            }
        }).ToList();

        await Task.Delay(TimeSpan.FromSeconds(2));
        var usage = _router.ServiceProcesses()[RouterApps.Usage];
        using (var process = Process.GetProcessById(usage))
        {
            process.Kill();
        }
        await Task.WhenAll(callers);

        Assert.True(answered > 50, $"only {answered} requests were answered");
        await UpCommandTests.WaitUntilAsync(() => _router.Output.Contains("usage is back and ready", StringComparison.Ordinal), TimeSpan.FromSeconds(60),
            "usage was not restarted");
        Assert.Contains("usage stopped unexpectedly", _router.Output, StringComparison.Ordinal);
        Assert.NotEqual(usage, _router.ServiceProcesses()[RouterApps.Usage]);
        var metered = 0L;
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline && (metered = await MeteredRequestsAsync()) < answered)
        {
            await Task.Delay(500);
        }
        Assert.Equal(answered, metered);
    }

    [Fact]
    public async Task Ingress_stays_ready_and_keeps_serving_known_tokens_while_auth_is_down()
    {
        using (var first = RouterHttp.Responses(_router.BaseUrl, _token, """{"model":"coder","input":"warm the token cache"}"""))
        {
            Assert.Equal(HttpStatusCode.OK, (await _http.SendAsync(first)).StatusCode);
        }
        var auth = _router.ServiceProcesses()[RouterApps.Auth];
        using (var process = Process.GetProcessById(auth))
        {
            process.Kill();
        }
        var readyz = new Uri($"http://127.0.0.1:{_router.Port}/readyz");
        await UpCommandTests.WaitUntilAsync(() => Text(readyz).Contains("auth", StringComparison.Ordinal), TimeSpan.FromSeconds(10), "readyz never mentioned auth");

        using var ready = await _http.GetAsync(readyz);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.StartsWith("Degraded", await ready.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var request = RouterHttp.Responses(_router.BaseUrl, _token, """{"model":"coder","input":"still served"}""");
        Assert.Equal(HttpStatusCode.OK, (await _http.SendAsync(request)).StatusCode);
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _router.DisposeAsync();
        await _upstream.DisposeAsync();
    }

    private string Text(Uri uri)
    {
        try
        {
            return _http.GetStringAsync(uri).GetAwaiter().GetResult();
        }
        catch (HttpRequestException e)
        {
            return e.Message;
        }
    }

    private async Task<long> MeteredRequestsAsync()
    {
        await using var cli = _router.StartCli("usage", "--project", "web", "--since", "1d", "--format", "json");
        if (await cli.WaitForExitAsync(TimeSpan.FromSeconds(30)) != 0)
        {
            return 0;
        }
        return JsonDocument.Parse(cli.Stdout).RootElement.GetProperty("total").GetProperty("requests").GetInt64();
    }
}
