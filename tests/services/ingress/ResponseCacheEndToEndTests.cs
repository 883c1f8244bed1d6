using System.ClientModel;
using System.Net;
using System.Text;
using System.Text.Json;
using OpenAI.Responses;

namespace GenAiRouter.Ingress.Tests;

/// <summary>The response cache through the real router: hits, misses, each bypass rule, tenants, and SSE replay.</summary>
public sealed class ResponseCacheEndToEndTests(IngressFixture fixture) : IClassFixture<IngressFixture>, IDisposable
{
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };

    [Fact]
    public async Task The_same_question_twice_is_answered_once_upstream_and_then_from_the_cache()
    {
        var input = Unique();

        using var first = await PostAsync($$$"""{"model":"cached","input":"{{{input}}}","metadata":{"try":"1"}}""");
        using var second = await PostAsync($$$"""{ "input": "{{{input}}}", "model": "cached", "metadata": {"try": "2"}, "store": false }""");

        Assert.Equal(("miss", "hit"), (Cache(first), Cache(second)));
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(await first.Content.ReadAsStringAsync(), await second.Content.ReadAsStringAsync());
        Assert.Equal(1, UpstreamCalls(input));
        Assert.False(second.Headers.Contains("x-router-target"), "a hit names no target: none was called");
    }

    [Fact]
    public async Task A_streamed_miss_is_stored_and_replayed_to_a_real_Responses_client()
    {
        var client = new ResponsesClient(new ApiKeyCredential(fixture.Token), new ResponsesClientOptions { Endpoint = fixture.Router.BaseUrl });
        var options = new CreateResponseOptions("cached", [ResponseItem.CreateUserMessageItem(Unique())]) { StoredOutputEnabled = false, StreamingEnabled = true };

        var (missCache, missText, missResponse) = await StreamAsync(client, options);
        var (hitCache, hitText, hitResponse) = await StreamAsync(client, options);

        Assert.Equal(("miss", "hit"), (missCache, hitCache));
        Assert.Equal(("from A", "from A"), (missText, hitText));
        Assert.Equal(missResponse!.Id, hitResponse!.Id);
        Assert.Equal(ResponseStatus.Completed, hitResponse.Status);
        Assert.Equal("from A", hitResponse.GetOutputText());
        Assert.Equal(missResponse.Usage.OutputTokenCount, hitResponse.Usage.OutputTokenCount);
    }

    [Fact]
    public async Task A_streamed_miss_serves_a_later_non_streamed_request_and_the_other_way_round()
    {
        var streamedFirst = Unique();
        using (var miss = await PostAsync($$"""{"model":"cached","input":"{{streamedFirst}}","stream":true}"""))
        {
            Assert.Equal("miss", Cache(miss));
        }
        using var json = await PostAsync($$"""{"model":"cached","input":"{{streamedFirst}}"}""");
        Assert.Equal(("hit", "application/json"), (Cache(json), json.Content.Headers.ContentType?.MediaType));

        var jsonFirst = Unique();
        using (var miss = await PostAsync($$"""{"model":"cached","input":"{{jsonFirst}}"}"""))
        {
            Assert.Equal("miss", Cache(miss));
        }
        using var stream = await PostAsync($$"""{"model":"cached","input":"{{jsonFirst}}","stream":true}""");
        Assert.Equal(("hit", "text/event-stream"), (Cache(stream), stream.Content.Headers.ContentType?.MediaType));
        Assert.Contains("event: response.completed", await stream.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    public static TheoryData<string, string> Bypassed => new()
    {
        { "tools", "\"tools\":[{\"type\":\"function\",\"name\":\"f\",\"parameters\":{\"type\":\"object\"}}]" },
        { "images", "\"input\":[{\"role\":\"user\",\"content\":[{\"type\":\"input_text\",\"text\":\"INPUT\"},{\"type\":\"input_image\",\"image_url\":\"data:image/png;base64,iVBORw0KGgo=\"}]}]" },
        { "previous_response_id", "\"previous_response_id\":\"resp_0\"" },
        { "store", "\"store\":true" },
        { "background", "\"background\":true" },
    };

    [Theory]
    [MemberData(nameof(Bypassed))]
    public async Task Requests_the_cache_must_not_answer_go_upstream_every_time(string rule, string field)
    {
        var input = Unique();
        var body = field.Contains("INPUT", StringComparison.Ordinal)
            ? $$"""{"model":"cached",{{field.Replace("INPUT", input, StringComparison.Ordinal)}}}"""
            : $$"""{"model":"cached","input":"{{input}}",{{field}}}""";

        using var first = await PostAsync(body);
        using var second = await PostAsync(body);

        Assert.True(first.StatusCode == HttpStatusCode.OK, $"{rule}: {await first.Content.ReadAsStringAsync()}");
        Assert.Equal(("bypass", "bypass"), (Cache(first), Cache(second)));
        Assert.Equal(2, UpstreamCalls(input));
    }

    [Fact]
    public async Task A_group_without_a_cache_ttl_is_never_cached()
    {
        var input = Unique();

        using var first = await PostAsync($$"""{"model":"single","input":"{{input}}"}""");
        using var second = await PostAsync($$"""{"model":"single","input":"{{input}}"}""");

        Assert.Equal(("bypass", "bypass"), (Cache(first), Cache(second)));
        Assert.Equal(2, UpstreamCalls(input));
    }

    [Fact]
    public async Task Every_answer_says_what_the_cache_did_errors_included()
    {
        using var unauthenticated = await PostAsync("""{"model":"cached","input":"x"}""", token: "rtr_metrum_nobody");
        using var unknownGroup = await PostAsync("""{"model":"nope","input":"x"}""");
        using var malformed = await PostAsync("""{"model":""");

        Assert.Equal([HttpStatusCode.Unauthorized, HttpStatusCode.NotFound, HttpStatusCode.BadRequest],
            new[] { unauthenticated, unknownGroup, malformed }.Select(r => r.StatusCode));
        Assert.All(new[] { unauthenticated, unknownGroup, malformed }, r => Assert.Equal("bypass", Cache(r)));
    }

    [Fact]
    public async Task One_tenant_never_reads_another_tenants_entry()
    {
        var input = Unique();
        var otherProject = await fixture.Router.RunCliAsync("token", "issue", "--user", "bob", "--project", "api", "--env", "dev", "--groups", "cached");
        var otherEnv = await fixture.Router.RunCliAsync("token", "issue", "--user", "carol", "--project", "web", "--env", "prod", "--groups", "cached");
        var sameTenant = await fixture.Router.RunCliAsync("token", "issue", "--user", "dave", "--project", "web", "--env", "dev", "--groups", "cached");
        var body = $$"""{"model":"cached","input":"{{input}}"}""";

        using var web = await PostAsync(body);
        using var api = await PostAsync(body, otherProject.Trim());
        using var prod = await PostAsync(body, otherEnv.Trim());
        using var colleague = await PostAsync(body, sameTenant.Trim());

        Assert.Equal(("miss", "miss", "miss", "hit"), (Cache(web), Cache(api), Cache(prod), Cache(colleague)));
        Assert.Equal(3, UpstreamCalls(input));
    }

    [Fact]
    public async Task Answers_that_are_too_big_or_not_completed_are_served_but_not_kept()
    {
        var big = "big:" + Unique();
        var incomplete = "incomplete:" + Unique();

        foreach (var input in new[] { big, incomplete })
        {
            using var first = await PostAsync($$"""{"model":"cached","input":"{{input}}"}""");
            using var second = await PostAsync($$"""{"model":"cached","input":"{{input}}"}""");
            Assert.Equal((HttpStatusCode.OK, "miss", "miss"), (first.StatusCode, Cache(first), Cache(second)));
            Assert.Equal(2, UpstreamCalls(input));
        }
    }

    [Fact]
    public async Task A_hit_is_metered_as_a_cache_hit_with_no_upstream_cost()
    {
        var token = await fixture.Router.RunCliAsync("token", "issue", "--user", "erin", "--project", "metered", "--env", "dev", "--groups", "cached");
        var body = $$"""{"model":"cached","input":"{{Unique()}}"}""";
        using (await PostAsync(body, token.Trim()))
        using (await PostAsync(body, token.Trim()))
        using (await PostAsync(body, token.Trim()))
        {
        }

        var total = await WaitForUsageAsync("metered", requests: 3);

        Assert.Equal(2, total.GetProperty("cache_hits").GetInt64());
        // One upstream call: 10 input + 3 output tokens at 1000 USD per million tokens each.
        Assert.Equal(0.013, total.GetProperty("cost").GetDouble(), precision: 9);
        Assert.Equal(10, total.GetProperty("input_tokens").GetInt64());
    }

    public void Dispose() => _http.Dispose();

    private static string Unique() => "cache-" + Guid.NewGuid().ToString("N");

    private int UpstreamCalls(string input) => fixture.A.Received.Count(r => r.Body.Contains(input, StringComparison.Ordinal));

    private static string Cache(HttpResponseMessage response) => response.Headers.GetValues("x-router-cache").Single();

    private async Task<HttpResponseMessage> PostAsync(string json, string? token = null)
    {
        using var request = RouterHttp.Responses(fixture.Router.BaseUrl, token ?? fixture.Token, json);
        return await _http.SendAsync(request);
    }

    private static async Task<(string Cache, string Text, ResponseResult? Completed)> StreamAsync(ResponsesClient client, CreateResponseOptions options)
    {
        await using var updates = await client.CreateResponseStreamingAsync(options);
        var cache = updates.Headers.TryGetValue("x-router-cache", out var value) ? value! : "";
        var text = new StringBuilder();
        ResponseResult? completed = null;
        await foreach (var update in updates)
        {
            switch (update)
            {
                case StreamingResponseOutputTextDeltaUpdate delta:
                    text.Append(delta.Delta);
                    break;
                case StreamingResponseCompletedUpdate done:
                    completed = done.Response;
                    break;
            }
        }
        return (cache, text.ToString(), completed);
    }

    /// <summary>Usage arrives asynchronously (queued, then delivered); waits until the project shows the requests.</summary>
    private async Task<JsonElement> WaitForUsageAsync(string project, int requests)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var json = await fixture.Router.RunCliAsync("usage", "--project", project, "--format", "json");
            var total = JsonDocument.Parse(json).RootElement.GetProperty("total").Clone();
            if (total.GetProperty("requests").GetInt64() >= requests || DateTime.UtcNow > deadline)
            {
                Assert.Equal(requests, total.GetProperty("requests").GetInt64());
                return total;
            }
            await Task.Delay(250);
        }
    }
}
