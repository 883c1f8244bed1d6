using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Markdig;
using Markdig.Renderers;
using Markdig.Renderers.Html;
using Markdig.Syntax;
using Markdig.Syntax.Inlines;

namespace GenAiRouter.Ingress.Docs;

/// <summary>A static file of the site: its bytes, type and the fingerprinted name it is linked under.</summary>
public sealed record DocsAsset(string Name, byte[] Content, string ContentType, string ETag);

/// <summary>
/// The user documentation the router serves: Markdown pages (Docs/Pages) rendered once at start-up with Markdig,
/// snippets included from Docs/Snippets (the same files the client tests run), the site's own script and styles under
/// fingerprinted names, a search index, and the API description. Everything is inside the binary; nothing is fetched.
/// </summary>
public sealed class DocsSite
{
    /// <summary>The pages in the order the navigation lists them; the first is the home page.</summary>
    private static readonly (string Slug, string Nav)[] Contents =
    [
        ("index", "Start here"),
        ("codex", "Codex CLI"),
        ("models", "Models and access"),
        ("clients", "Coding agents and SDKs"),
        ("images", "Images and VLM routing"),
        ("api", "API reference"),
        ("validation", "Validating a deployment"),
        ("platform", "For platform teams"),
    ];

    private static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder().UseAdvancedExtensions().DisableHtml().Build();

    private readonly Dictionary<string, PageTemplate> _pages = [];

    private readonly Dictionary<string, DocsAsset> _assets = new(StringComparer.Ordinal);

    public DocsSite()
    {
        foreach (var (name, type) in new[] { ("site.css", "text/css; charset=utf-8"), ("site.js", "text/javascript; charset=utf-8"), ("favicon.svg", "image/svg+xml") })
        {
            var content = Resources.Bytes($"docs/assets/{name}");
            var hash = Convert.ToHexStringLower(SHA256.HashData(content))[..12];
            var fingerprinted = $"{Path.GetFileNameWithoutExtension(name)}.{hash}{Path.GetExtension(name)}";
            _assets[name] = _assets[fingerprinted] = new DocsAsset(fingerprinted, content, type, $"\"{hash}\"");
        }
        OpenApi = new OpenApiDocument(Resources.Text("docs/openapi.yaml"));

        var layout = Resources.Text("docs/layout.html");
        var search = new List<SearchEntry>();
        PageTemplate? home = null;
        foreach (var (slug, _) in Contents)
        {
            var document = Markdown.Parse(Expand(Resources.Text($"docs/pages/{slug}.md")), Pipeline);
            var title = Title(document);
            search.AddRange(Sections(slug, title, document));
            if (slug == "index")
            {
                // The home page is served at the router's root and at /docs/: links differ by one directory.
                home = Page(layout, slug, title, document, atRoot: true);
            }
            _pages[slug] = Page(layout, slug, title, document, atRoot: false);
        }
        HomeAtRoot = home!;
        var notFound = Markdown.Parse("# No such page\n\nThe page you asked for is not part of these docs. The navigation lists every page; the search box searches them all.", Pipeline);
        NotFound = Page(layout, "", "No such page", notFound, atRoot: false);
        SearchIndex = JsonSerializer.SerializeToUtf8Bytes(search, DocsJson.Default.ListSearchEntry);
    }

    /// <summary>The home page as served at the router's root (<c>/</c>).</summary>
    public PageTemplate HomeAtRoot { get; }

    /// <summary>What /docs/&lt;unknown&gt; shows, with a 404.</summary>
    public PageTemplate NotFound { get; }

    /// <summary>Every page's sections as the search box looks through them (JSON).</summary>
    public byte[] SearchIndex { get; }

    public OpenApiDocument OpenApi { get; }

    /// <summary>A page by its path under /docs/ (the home page is <c>index</c>, also served as <c>/docs/</c>).</summary>
    public PageTemplate? Page(string slug) => _pages.GetValueOrDefault(slug);

    /// <summary>An asset by its fingerprinted name.</summary>
    public DocsAsset? Asset(string name) => _assets.TryGetValue(name, out var asset) && asset.Name == name ? asset : null;

    /// <summary>The page slugs, in navigation order.</summary>
    public static IEnumerable<string> Slugs => Contents.Select(c => c.Slug);

    private PageTemplate Page(string layout, string slug, string title, MarkdownDocument document, bool atRoot)
    {
        // Links are written relative to /docs/; the home page at the root reaches them one directory down.
        var docs = atRoot ? "docs/" : "";
        var root = atRoot ? "./" : "../";
        using var body = new StringWriter();
        var renderer = new HtmlRenderer(body) { LinkRewriter = url => IsRelative(url) ? docs + url : url };
        Pipeline.Setup(renderer);
        renderer.Render(document);

        var nav = new StringBuilder("<ul>");
        foreach (var (page, label) in Contents)
        {
            var href = page == "index" ? root : docs + page;
            nav.Append("<li><a href=\"").Append(href).Append('"').Append(page == slug ? " aria-current=\"page\"" : "").Append('>')
                .Append(WebUtility.HtmlEncode(label)).Append("</a></li>");
        }
        nav.Append("</ul>");

        var html = new StringBuilder(layout)
            .Replace("{{ROOT}}", root)
            .Replace("{{DOCS}}", docs)
            .Replace("{{TITLE}}", WebUtility.HtmlEncode(title))
            .Replace("{{NAV}}", nav.ToString());
        foreach (var (name, asset) in _assets)
        {
            html.Replace($"{{{{ASSET:{name}}}}}", asset.Name);
        }
        return new PageTemplate(html.Replace("{{CONTENT}}", body.ToString()).ToString());
    }

    private static bool IsRelative(string url) =>
        url.Length > 0 && url[0] is not ('#' or '/') && !url.Contains(':', StringComparison.Ordinal);

    /// <summary>Includes in a page's source: <c>{{snippet:NAME}}</c>, <c>{{openapi}}</c>, <c>{{example-config}}</c>.</summary>
    private string Expand(string markdown)
    {
        var lines = markdown.Split('\n');
        var expanded = new StringBuilder(markdown.Length * 2);
        foreach (var line in lines)
        {
            var trimmed = line.TrimEnd('\r');
            if (trimmed.StartsWith("{{snippet:", StringComparison.Ordinal) && trimmed.EndsWith("}}", StringComparison.Ordinal))
            {
                var name = trimmed["{{snippet:".Length..^2];
                expanded.Append(Fence(DocSnippets.Template(name), Path.GetExtension(name).TrimStart('.'), $"snippet-{Path.GetFileNameWithoutExtension(name)}"));
            }
            else if (trimmed == "{{openapi}}")
            {
                expanded.Append(OpenApi.Reference());
            }
            else if (trimmed == "{{example-config}}")
            {
                expanded.Append(Fence(Resources.Text("docs/genai-router.yaml"), "yaml", null));
            }
            else
            {
                expanded.Append(trimmed).Append('\n');
            }
        }
        return expanded.ToString();
    }

    private static string Fence(string code, string language, string? id)
    {
        var fence = new string('`', Math.Max(3, LongestRun(code, '`') + 1));
        var attributes = id is null ? "" : $" {{#{id}}}";
        return $"{fence}{language}{attributes}\n{code.TrimEnd('\n')}\n{fence}\n";
    }

    private static int LongestRun(string text, char c)
    {
        int longest = 0, run = 0;
        foreach (var ch in text)
        {
            run = ch == c ? run + 1 : 0;
            longest = Math.Max(longest, run);
        }
        return longest;
    }

    private static string Title(MarkdownDocument document) =>
        document.Descendants<HeadingBlock>().FirstOrDefault(h => h.Level == 1) is { } h1 ? PlainText(h1) : "GenAI Smart Router";

    private static string PlainText(LeafBlock block) => block.Inline is null
        ? ""
        : string.Concat(block.Inline.Descendants<Inline>().Select(i => i switch
        {
            LiteralInline literal => literal.Content.ToString(),
            CodeInline code => code.Content,
            _ => "",
        }));

    /// <summary>A page cut at its headings, for the search box.</summary>
    private static IEnumerable<SearchEntry> Sections(string slug, string title, MarkdownDocument document)
    {
        var page = slug == "index" ? "./" : slug;
        string heading = title, anchor = "";
        var text = new StringBuilder();
        foreach (var block in document)
        {
            if (block is HeadingBlock h)
            {
                if (text.Length > 0 || anchor == "")
                {
                    yield return new SearchEntry(page, title, heading, anchor, Clip(text));
                }
                heading = PlainText(h);
                anchor = h.GetAttributes().Id ?? "";
                text.Clear();
            }
            else if (block is LeafBlock { Inline: not null } leaf)
            {
                text.Append(PlainText(leaf)).Append(' ');
            }
            else if (block is LeafBlock code)
            {
                text.Append(code.Lines.ToString()).Append(' ');
            }
            else if (block is ContainerBlock container)
            {
                foreach (var leafBlock in container.Descendants<LeafBlock>())
                {
                    text.Append(leafBlock.Inline is null ? leafBlock.Lines.ToString() : PlainText(leafBlock)).Append(' ');
                }
            }
        }
        yield return new SearchEntry(page, title, heading, anchor, Clip(text));
    }

    private static string Clip(StringBuilder text) =>
        PageTemplate.Fill(text.Length > 4000 ? text.ToString(0, 4000) : text.ToString(), new PageValues("ROUTER_URL", "GROUP", "the contact"));
}

/// <summary>One section of a page as the search box sees it.</summary>
public sealed record SearchEntry(string Page, string Title, string Heading, string Anchor, string Text);

/// <summary>The snippets the docs show and the client tests run: one source, so the docs cannot drift from what works.</summary>
public static class DocSnippets
{
    /// <summary>A snippet's source, with <c>{{ROUTER_URL}}</c> and <c>{{GROUP}}</c> where the reader's values go.</summary>
    public static string Template(string name) => Resources.Text($"docs/snippets/{name}");

    /// <summary>A snippet as the reader copies it: for a router at <paramref name="routerUrl"/> (its root) and a group.</summary>
    public static string Render(string name, string routerUrl, string group) =>
        PageTemplate.Fill(Template(name), new PageValues(routerUrl.TrimEnd('/'), group, ""));
}

/// <summary>The docs' sources embedded in this assembly.</summary>
internal static class Resources
{
    public static byte[] Bytes(string name)
    {
        using var stream = typeof(Resources).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"The docs resource '{name}' is missing from the build.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    public static string Text(string name) => Encoding.UTF8.GetString(Bytes(name)).Replace("\r\n", "\n", StringComparison.Ordinal);
}

[System.Text.Json.Serialization.JsonSerializable(typeof(List<SearchEntry>))]
[System.Text.Json.Serialization.JsonSourceGenerationOptions(PropertyNamingPolicy = System.Text.Json.Serialization.JsonKnownNamingPolicy.CamelCase)]
internal sealed partial class DocsJson : System.Text.Json.Serialization.JsonSerializerContext;
