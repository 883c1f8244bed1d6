using System.Text;
using GenAiRouter.Contracts.V1;
using GenAiRouter.Ingress.Caching;
using GenAiRouter.Ingress.Doors;
using GenAiRouter.Ingress.Doors.Responses;
using Google.Protobuf.WellKnownTypes;

namespace GenAiRouter.Ingress.Tests;

/// <summary>The cache's rules as a table: what bypasses it, and which requests share an entry.</summary>
public sealed class ResponseCachePolicyTests
{
    private static readonly ResponsesDoor Door = new();
    private static readonly Group Cached = new() { Name = "coder", CacheTtl = Duration.FromTimeSpan(TimeSpan.FromMinutes(10)), CacheMaxEntryBytes = 1024 };

    public static TheoryData<string, string?> Requests => new()
    {
        { """{"model":"coder","input":"hi"}""", null },
        { """{"model":"coder","input":"hi","store":false,"stream":true}""", null },
        { """{"model":"coder","input":"hi","tools":[]}""", null },
        { """{"model":"coder","input":"hi","tools":[{"type":"function","name":"f","parameters":{}}]}""", "tools" },
        { """{"model":"coder","input":"hi","tools":[{"type":"web_search"}]}""", "tools" },
        { """{"model":"coder","input":[{"role":"user","content":[{"type":"input_image","image_url":"data:image/png;base64,AA=="}]}]}""", "images" },
        { """{"model":"coder","input":"hi","previous_response_id":"resp_1"}""", "previous_response_id" },
        { """{"model":"coder","input":"hi","store":true}""", "store" },
        { """{"model":"coder","input":"hi","background":true}""", "background" },
    };

    [Theory]
    [MemberData(nameof(Requests))]
    public void Requests_that_cannot_reuse_an_answer_bypass_the_cache(string body, string? bypass)
    {
        var decision = Decide(Cached, body);

        Assert.Equal(bypass, decision.BypassReason);
        Assert.Equal(bypass is null, decision.Key is not null);
    }

    [Fact]
    public void A_group_without_a_cache_ttl_bypasses_it()
    {
        var decision = Decide(new Group { Name = "coder" }, """{"model":"coder","input":"hi"}""");

        Assert.Equal("off", decision.BypassReason);
    }

    public static TheoryData<string, string> SameAnswer => new()
    {
        { """{"model":"coder","input":"hi","temperature":0}""", """{ "temperature" : 0, "input" : "hi", "model" : "coder" }""" },
        { """{"model":"coder","input":"hi"}""", """{"model":"coder","input":"hi","stream":true,"stream_options":{"include_obfuscation":false}}""" },
        { """{"model":"coder","input":"hi"}""", """{"model":"coder","input":"hi","store":false,"metadata":{"run":"42"},"prompt_cache_key":"abc","user":"u1","safety_identifier":"s"}""" },
        { """{"model":"coder","input":[{"role":"user","content":"hi"}]}""", """{"model":"coder","input":[{"content":"hi","role":"user"}]}""" },
    };

    [Theory]
    [MemberData(nameof(SameAnswer))]
    public void Requests_that_ask_the_same_thing_share_a_key(string a, string b)
    {
        var key = Decide(Cached, a).Key;

        Assert.NotNull(key);
        Assert.Equal(key, Decide(Cached, b).Key);
    }

    public static TheoryData<string, string> DifferentAnswer => new()
    {
        { """{"model":"coder","input":"hi"}""", """{"model":"coder","input":"hello"}""" },
        { """{"model":"coder","input":"hi","temperature":0}""", """{"model":"coder","input":"hi","temperature":1}""" },
        { """{"model":"coder","input":"hi"}""", """{"model":"coder","input":"hi","instructions":"be brief"}""" },
        { """{"model":"coder","input":"hi"}""", """{"model":"coder","input":"hi","text":{"format":{"type":"json_object"}}}""" },
        { """{"model":"coder","input":["a","b"]}""", """{"model":"coder","input":["b","a"]}""" },
        { """{"model":"coder","input":"hi","metadata":{}}""", """{"model":"coder","input":"hi","nested":{"metadata":{}}}""" },
    };

    [Theory]
    [MemberData(nameof(DifferentAnswer))]
    public void Requests_that_ask_different_things_do_not(string a, string b)
    {
        var key = Decide(Cached, a).Key;

        Assert.NotNull(key);
        Assert.NotEqual(key, Decide(Cached, b).Key);
    }

    [Fact]
    public void Tenants_and_groups_never_share_a_key()
    {
        var body = Encoding.UTF8.GetBytes("""{"model":"coder","input":"hi"}""");
        var keys = new[]
        {
            ResponseCachePolicy.Key("web", "dev", "coder", Door, body),
            ResponseCachePolicy.Key("web", "prod", "coder", Door, body),
            ResponseCachePolicy.Key("api", "dev", "coder", Door, body),
            ResponseCachePolicy.Key("web", "dev", "other", Door, body),
            // Parts cannot run together: "we"+"bdev" is not "web"+"dev".
            ResponseCachePolicy.Key("we", "bdev", "coder", Door, body),
        };

        Assert.Equal(keys.Length, keys.Distinct().Count());
        Assert.All(keys, k => Assert.Matches("^resp:v2:[0-9a-f]{64}$", k));
    }

    [Theory]
    [InlineData("""{"id":"r","status":"completed","output":[]}""", true)]
    [InlineData("""{"id":"r","status":"incomplete","output":[]}""", false)]
    [InlineData("""{"id":"r","status":"failed"}""", false)]
    [InlineData("""{"id":"r","output":[]}""", false)]
    [InlineData("""not json""", false)]
    public void Only_completed_responses_are_worth_keeping(string response, bool complete) =>
        Assert.Equal(complete, Door.IsComplete(Encoding.UTF8.GetBytes(response)));

    private static CacheDecision Decide(Group group, string body)
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        return ResponseCachePolicy.Decide(group, Door, ResponsesRequestClassifier.Classify(bytes), bytes, "web", "dev");
    }
}
