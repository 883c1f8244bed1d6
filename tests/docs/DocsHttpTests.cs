using System.Net;
using System.Text.Json;
using GenAiRouter.Ingress.Docs;

namespace GenAiRouter.Docs.Tests;

/// <summary>The docs over plain HTTP: what a reader, a proxy, a cache and a curious client each get.</summary>
[Collection(DocsSuite.Name)]
public sealed class DocsHttpTests(DocsRouter docs)
{
    private static readonly HttpClient Http = new(new SocketsHttpHandler { AllowAutoRedirect = false });

    public static TheoryData<string> Pages => new(DocsRouter.PagePaths);

    [Theory]
    [MemberData(nameof(Pages))]
    public async Task Every_page_is_html_with_this_routers_address_a_strict_policy_and_no_shared_caching(string path)
    {
        using var answer = await Http.GetAsync(docs.Root + path);
        var html = await answer.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.Equal("text/html", answer.Content.Headers.ContentType?.MediaType);
        var policy = answer.Headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains("default-src 'none'", policy, StringComparison.Ordinal);
        Assert.Contains("connect-src 'self'", policy, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-inline", policy, StringComparison.Ordinal);
        Assert.Equal("no-cache", answer.Headers.CacheControl?.ToString());
        Assert.Contains("X-Forwarded-Prefix", answer.Headers.Vary);
        Assert.Contains($"<span class=\"router-url\">{docs.Root}</span>", html, StringComparison.Ordinal);
        Assert.DoesNotMatch(@"\{\{([A-Z_]+|snippet:|openapi|example-config)", html);
        Assert.Contains(WebUtility.HtmlEncode(DocsRouter.Contact), html, StringComparison.Ordinal);
        Assert.DoesNotContain(DocsRouter.Contact, html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Examples_name_the_first_group_until_a_reader_picks_theirs()
    {
        var html = await Http.GetStringAsync(docs.Root + "/docs/codex");

        Assert.Contains("-c 'model=&quot;<span class=\"router-group\">big-coder</span>&quot;'", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_trusted_proxys_forwarded_host_proto_and_prefix_make_the_address_and_bad_values_are_ignored()
    {
        Assert.Contains("<span class=\"router-url\">https://router.example.com/llm</span>",
            await GetHtmlAsync("/docs/codex", ("X-Forwarded-Host", "router.example.com"), ("X-Forwarded-Proto", "https"), ("X-Forwarded-Prefix", "/llm/")));
        // A chain of proxies lists the client-facing value first.
        Assert.Contains("<span class=\"router-url\">https://outer.example.com</span>",
            await GetHtmlAsync("/", ("X-Forwarded-Host", "outer.example.com, inner.internal"), ("X-Forwarded-Proto", "https,http")));

        var hostile = await GetHtmlAsync("/", ("X-Forwarded-Host", "evil.example\"><script>alert(1)</script>"), ("X-Forwarded-Proto", "javascript"),
            ("X-Forwarded-Prefix", "/../admin"));
        Assert.Contains($"<span class=\"router-url\">{docs.Root}</span>", hostile, StringComparison.Ordinal);
        Assert.DoesNotContain("<script>alert", hostile, StringComparison.Ordinal);
        Assert.DoesNotContain("javascript:", hostile, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Docs_paths_redirect_relatively_answer_head_and_unknown_pages_are_a_docs_404()
    {
        using var redirect = await Http.GetAsync(docs.Root + "/docs");
        Assert.Equal(HttpStatusCode.MovedPermanently, redirect.StatusCode);
        Assert.Equal("docs/", redirect.Headers.Location?.OriginalString);

        // A page asked for with a trailing slash would resolve its links one directory too deep: it is sent back.
        using var slashed = await Http.GetAsync(docs.Root + "/docs/codex/");
        Assert.Equal(HttpStatusCode.MovedPermanently, slashed.StatusCode);
        Assert.Equal("../codex", slashed.Headers.Location?.OriginalString);

        // Link checkers and uptime probes ask with HEAD.
        foreach (var path in new[] { "/docs/codex", "/docs/", "/docs/openapi.json", "/docs/search.json" })
        {
            using var head = await Http.SendAsync(new HttpRequestMessage(HttpMethod.Head, docs.Root + path));
            Assert.True(head.StatusCode == HttpStatusCode.OK, $"HEAD {path}: {(int)head.StatusCode}");
        }

        using var missing = await Http.GetAsync(docs.Root + "/docs/no-such-page");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Contains("No such page", await missing.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // The API keeps its own 404, and Claude Code's HEAD / preconnect still gets a fast 200.
        using var api = await Http.GetAsync(docs.Root + "/v1/nothing");
        Assert.Equal("unknown_url", JsonDocument.Parse(await api.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetProperty("code").GetString());
        using var root = await Http.SendAsync(new HttpRequestMessage(HttpMethod.Head, docs.Root + "/"));
        Assert.Equal(HttpStatusCode.OK, root.StatusCode);
    }

    [Fact]
    public async Task Assets_are_fingerprinted_kept_for_a_year_and_revalidated_by_etag()
    {
        var html = await Http.GetStringAsync(docs.Root + "/docs/models");
        var css = System.Text.RegularExpressions.Regex.Match(html, "href=\"(assets/site\\.[0-9a-f]{12}\\.css)\"").Groups[1].Value;
        Assert.NotEmpty(css);

        using var asset = await Http.GetAsync(docs.Root + "/docs/" + css);
        Assert.Equal(HttpStatusCode.OK, asset.StatusCode);
        Assert.Equal("text/css", asset.Content.Headers.ContentType?.MediaType);
        Assert.Equal(TimeSpan.FromDays(365), asset.Headers.CacheControl?.MaxAge);
        Assert.True(asset.Headers.CacheControl?.Public);

        using var revalidate = new HttpRequestMessage(HttpMethod.Get, docs.Root + "/docs/" + css);
        revalidate.Headers.IfNoneMatch.Add(asset.Headers.ETag!);
        using var notModified = await Http.SendAsync(revalidate);
        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);

        using var unknown = await Http.GetAsync(docs.Root + "/docs/assets/site.000000000000.css");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task The_openapi_document_names_this_router_and_every_operation_it_describes_is_served()
    {
        var openApi = JsonDocument.Parse(await Http.GetStringAsync(docs.Root + "/docs/openapi.json")).RootElement;
        Assert.Equal("3.1.0", openApi.GetProperty("openapi").GetString());
        Assert.Equal(docs.Root + "/v1", openApi.GetProperty("servers")[0].GetProperty("url").GetString());

        var operations = new DocsSite().OpenApi.Operations.ToList();
        Assert.Contains(("POST", "/responses"), operations);
        Assert.Contains(("POST", "/chat/completions"), operations);
        Assert.Contains(("POST", "/messages"), operations);
        Assert.Contains(("GET", "/models"), operations);
        foreach (var (method, path) in operations)
        {
            using var request = new HttpRequestMessage(new HttpMethod(method), docs.Root + "/v1" + path);
            if (method == "POST")
            {
                request.Content = new StringContent("{}", System.Text.Encoding.UTF8, "application/json");
            }
            using var answer = await Http.SendAsync(request);
            var body = await answer.Content.ReadAsStringAsync();
            // Unauthenticated, each is refused for the token or the upgrade, never as an unknown route.
            Assert.True(answer.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.UpgradeRequired, $"{method} {path}: {(int)answer.StatusCode} {body}");
        }
    }

    [Fact]
    public async Task The_search_index_covers_every_page()
    {
        var index = JsonDocument.Parse(await Http.GetStringAsync(docs.Root + "/docs/search.json")).RootElement;

        var pages = index.EnumerateArray().Select(e => e.GetProperty("page").GetString()!).ToHashSet();
        Assert.Equal(DocsSite.Slugs.Select(s => s == "index" ? "./" : s).ToHashSet(), pages);
        Assert.Contains(index.EnumerateArray(), e => e.GetProperty("heading").GetString() == "Qwen Code" && e.GetProperty("text").GetString()!.Contains("OPENAI_BASE_URL", StringComparison.Ordinal));
    }

    private async Task<string> GetHtmlAsync(string path, params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, docs.Root + path);
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }
        using var answer = await Http.SendAsync(request);
        return await answer.Content.ReadAsStringAsync();
    }
}
