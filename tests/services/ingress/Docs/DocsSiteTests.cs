using System.Reflection;
using System.Text.RegularExpressions;
using GenAiRouter.Ingress.Docs;
using GenAiRouter.RouterConfig;

namespace GenAiRouter.Ingress.Tests.Docs;

/// <summary>The docs as built from their sources: complete, escaped, and in step with the configuration they document.</summary>
public sealed partial class DocsSiteTests
{
    private static readonly DocsSite Site = new();

    private static readonly PageValues Values = new("https://router.example.com/llm", "big-coder", "Ops <ops@example.com>");

    [Fact]
    public void Every_page_renders_with_its_includes_expanded_and_its_values_escaped()
    {
        foreach (var slug in DocsSite.Slugs)
        {
            var html = Site.Page(slug)!.Render(Values);

            Assert.DoesNotMatch(Leftover(), html);
            Assert.Contains("<span class=\"router-url\">https://router.example.com/llm</span>", html, StringComparison.Ordinal);
            Assert.Contains("<span class=\"contact\">Ops &lt;ops@example.com&gt;</span>", html, StringComparison.Ordinal);
            Assert.DoesNotContain("<ops@example.com>", html, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void The_home_page_at_the_root_links_one_directory_down_and_under_docs_it_links_beside_itself()
    {
        var atRoot = Site.HomeAtRoot.Render(Values);
        var underDocs = Site.Page("index")!.Render(Values);

        Assert.Contains("data-root=\"./\"", atRoot, StringComparison.Ordinal);
        Assert.Contains("href=\"docs/models\"", atRoot, StringComparison.Ordinal);
        Assert.Contains("href=\"docs/assets/site.", atRoot, StringComparison.Ordinal);
        Assert.Contains("data-root=\"../\"", underDocs, StringComparison.Ordinal);
        Assert.Contains("href=\"models\"", underDocs, StringComparison.Ordinal);
        Assert.Contains("href=\"assets/site.", underDocs, StringComparison.Ordinal);
    }

    [Fact]
    public void Page_markup_in_a_value_stays_text()
    {
        var html = new PageTemplate("<p>{{GROUP}} {{CONTACT}} {{ROUTER_URL}}</p>").Render(new PageValues("\"><script>", "<b>", "&"));

        Assert.Equal("<p><span class=\"router-group\">&lt;b&gt;</span> <span class=\"contact\">&amp;</span> <span class=\"router-url\">&quot;&gt;&lt;script&gt;</span></p>", html);
    }

    [Fact]
    public void The_configuration_reference_names_every_key_of_the_configuration_file()
    {
        var reference = Site.Page("platform")!.Render(Values);

        var missing = Keys(typeof(RouterConfig.RouterConfig), "").Where(key => !reference.Contains($"<code>{key}</code>", StringComparison.Ordinal)
            && !reference.Contains($"<code>{key.Split('.')[^1]}</code>", StringComparison.Ordinal)
            && !reference.Contains($".{key.Split('.')[^1]}</code>", StringComparison.Ordinal)).ToList();
        Assert.Empty(missing);
    }

    [Fact]
    public void A_snippet_renders_for_a_router_and_a_group_as_the_reader_copies_it()
    {
        var command = DocSnippets.Render("codex-exec.sh", "http://127.0.0.1:8080/", "big-coder");

        Assert.Contains("-c 'model=\"big-coder\"'", command, StringComparison.Ordinal);
        Assert.Contains("base_url=\"http://127.0.0.1:8080/v1\"", command, StringComparison.Ordinal);
        Assert.Contains("model_catalog_url=\"http://127.0.0.1:8080/v1/models\"", command, StringComparison.Ordinal);
        Assert.DoesNotContain("{{", command, StringComparison.Ordinal);
    }

    /// <summary>The configuration file's keys as dotted snake_case paths (<c>limits.max_body_mb</c>).</summary>
    private static IEnumerable<string> Keys(Type type, string prefix)
    {
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            var key = prefix + SnakeCase(property.Name);
            var element = property.PropertyType.IsGenericType ? property.PropertyType.GetGenericArguments()[^1] : property.PropertyType;
            var section = element.Namespace == typeof(RouterConfig.RouterConfig).Namespace && element.IsClass;
            // A section (limits:, prices:) is documented through its keys; a collection (groups:, targets:) also as such.
            if (!section || property.PropertyType.IsGenericType)
            {
                yield return key;
            }
            if (section)
            {
                foreach (var nested in Keys(element, key + "."))
                {
                    yield return nested;
                }
            }
        }
    }

    private static string SnakeCase(string name) => UpperLetter().Replace(name, m => (m.Index > 0 ? "_" : "") + m.Value.ToLowerInvariant());

    [GeneratedRegex("[A-Z]")]
    private static partial Regex UpperLetter();

    [GeneratedRegex(@"\{\{([A-Z_]+|snippet:|openapi|example-config)")]
    private static partial Regex Leftover();
}
