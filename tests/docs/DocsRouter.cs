using GenAiRouter.Ingress.Docs;

namespace GenAiRouter.Docs.Tests;

/// <summary>
/// One router (started with `genai-router up`) whose docs every test here reads, in front of a scripted upstream that
/// answers "router codex ok"; a caller token for two of its three groups, with reasoning in one; and a reverse proxy
/// that serves the router under a path prefix on another host name, as an ingress controller would.
/// </summary>
public sealed class DocsRouter : IAsyncLifetime
{
    /// <summary>Has characters that must be escaped in HTML.</summary>
    public const string Contact = "Platform <platform@example.com> & #llm-router";

    public const string Prefix = "/llm";

    public ScriptedUpstream Upstream { get; private set; } = null!;

    public LocalRouter Router { get; private set; } = null!;

    public PrefixProxy Proxy { get; private set; } = null!;

    public string Token { get; private set; } = "";

    /// <summary>The router's root as a browser on this machine reaches it directly.</summary>
    public string Root => $"http://127.0.0.1:{Router.Port}";

    /// <summary>The router's root through the proxy: another host name, under <see cref="Prefix"/>.</summary>
    public string ProxiedRoot => $"http://localhost:{Proxy.Port}{Prefix}";

    public async ValueTask InitializeAsync()
    {
        Upstream = await ScriptedUpstream.StartAsync();
        Router = await LocalRouter.StartAsync($$"""
            docs: { contact: "{{Contact}}" }
            groups:
              big-coder:
                description: Coding models
                reasoning: { levels: [low, medium, high], default: medium }
                targets:
                  - { name: coder, api: responses, base_url: {{Upstream.BaseUrl}}, model: upstream-coder, capabilities: [tools, hosted_tools, reasoning, streaming, images] }
              vision:
                description: Models that read images
                targets:
                  - { name: eyes, api: responses, base_url: {{Upstream.BaseUrl}}, model: upstream-vision, capabilities: [tools, hosted_tools, images, streaming] }
              restricted:
                targets:
                  - { name: other, api: responses, base_url: {{Upstream.BaseUrl}}, model: upstream-other, capabilities: [streaming] }
            """);
        Token = await Router.IssueTokenAsync("--groups", "big-coder,vision", "--reasoning", "big-coder");
        Proxy = await PrefixProxy.StartAsync(Prefix, new Uri(Root));
    }

    /// <summary>The page paths, as a reader opens them.</summary>
    public static IEnumerable<string> PagePaths => DocsSite.Slugs.Select(slug => slug == "index" ? "/" : "/docs/" + slug);

    public async ValueTask DisposeAsync()
    {
        await Proxy.DisposeAsync();
        await Router.DisposeAsync();
        await Upstream.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class DocsSuite : ICollectionFixture<DocsRouter>, ICollectionFixture<Browser>
{
    public const string Name = "docs";
}
