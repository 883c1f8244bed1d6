using System.Net;
using StackExchange.Redis;

namespace GenAiRouter.Ingress.Tests;

/// <summary>The cache in a real Redis (ROUTER_REDIS), and what callers see when that Redis goes away and comes back.</summary>
public sealed class CacheStoreDownTests : IAsyncLifetime
{
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };
    private RedisServer _redis = null!;
    private ScriptedUpstream _upstream = null!;
    private LocalRouter _router = null!;
    private string _token = "";

    public async ValueTask InitializeAsync()
    {
        _redis = await RedisServer.StartAsync();
        _upstream = await ScriptedUpstream.StartAsync();
        _router = await LocalRouter.StartAsync($$"""
            groups:
              cached:
                cache: { ttl: 10m }
                targets:
                  - { name: up, api: responses, base_url: {{_upstream.BaseUrl}}, model: m, capabilities: [streaming] }
            """, new() { ["ROUTER_REDIS"] = _redis.ConnectionString });
        _token = await _router.IssueTokenAsync("--groups", "cached");
    }

    [Fact]
    public async Task Requests_keep_succeeding_while_the_cache_store_is_down_and_caching_resumes_when_it_is_back()
    {
        var body = """{"model":"cached","input":"is redis there?"}""";
        Assert.Equal("miss", await CacheOfAsync(body));
        Assert.Equal("hit", await CacheOfAsync(body));
        await using (var redis = await ConnectionMultiplexer.ConnectAsync(_redis.ConnectionString))
        {
            var keys = redis.GetServer(redis.GetEndPoints()[0]).Keys(pattern: "cache||resp:v2:*").ToList();
            Assert.Single(keys);
            Assert.DoesNotContain(_token, keys[0].ToString(), StringComparison.Ordinal);
        }

        await _redis.StopAsync();
        Assert.Equal("bypass", await CacheOfAsync(body));
        Assert.Equal("bypass", await CacheOfAsync(body));
        using (var ready = await _http.GetAsync(new Uri(_router.BaseUrl, "/readyz")))
        {
            Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        }
        await _router.WaitForOutputAsync("Response cache read failed", TimeSpan.FromSeconds(10));

        await _redis.RestartAsync();
        var deadline = DateTime.UtcNow.AddSeconds(20);
        string result;
        while ((result = await CacheOfAsync(body)) == "bypass" && DateTime.UtcNow < deadline)
        {
            await Task.Delay(250);
        }
        Assert.Equal("miss", result);
        var upstreamCalls = _upstream.Received.Count;
        Assert.Equal("hit", await CacheOfAsync(body));
        Assert.Equal(upstreamCalls, _upstream.Received.Count);
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _router.DisposeAsync();
        await _upstream.DisposeAsync();
        await _redis.DisposeAsync();
    }

    private async Task<string> CacheOfAsync(string body)
    {
        using var request = RouterHttp.Responses(_router.BaseUrl, _token, body);
        using var response = await _http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return response.Headers.GetValues("x-router-cache").Single();
    }
}
