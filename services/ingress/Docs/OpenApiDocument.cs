using System.Text;
using System.Text.Json;
using YamlDotNet.Serialization;

namespace GenAiRouter.Ingress.Docs;

/// <summary>
/// The router's public API as an OpenAPI 3.1 document (Docs/openapi.yaml): served as JSON at /docs/openapi.json with
/// this router's own address as its server, and rendered into the API reference page.
/// </summary>
public sealed class OpenApiDocument
{
    private static readonly string[] Methods = ["get", "post", "head"];

    private readonly Dictionary<object, object> _document;

    private readonly string _json;

    public OpenApiDocument(string yaml)
    {
        _document = new DeserializerBuilder().WithAttemptingUnquotedStringTypeDeserialization().Build().Deserialize<Dictionary<object, object>>(yaml);
        _json = new SerializerBuilder().JsonCompatible().Build().Serialize(_document);
    }

    /// <summary>The document as JSON, its server being <paramref name="routerUrl"/>'s /v1.</summary>
    public string Json(string routerUrl) => _json.Replace("{{ROUTER_URL}}", JsonEncodedText.Encode(routerUrl).ToString(), StringComparison.Ordinal);

    /// <summary>Every operation the document describes, as (method, path).</summary>
    public IEnumerable<(string Method, string Path)> Operations =>
        from path in Map(_document, "paths")
        from method in Methods
        where Map(path.Value).ContainsKey(method)
        select (method.ToUpperInvariant(), (string)path.Key);

    /// <summary>The operations as Markdown for the API reference page.</summary>
    public string Reference()
    {
        var markdown = new StringBuilder();
        foreach (var (pathKey, pathValue) in Map(_document, "paths"))
        {
            foreach (var method in Methods)
            {
                if (Map(pathValue).GetValueOrDefault(method) is not Dictionary<object, object> operation)
                {
                    continue;
                }
                markdown.Append($"### {method.ToUpperInvariant()} {pathKey}\n\n");
                markdown.Append(Text(operation, "summary")).Append("\n\n");
                if (Text(operation, "description") is { Length: > 0 } description)
                {
                    markdown.Append(description.Trim()).Append("\n\n");
                }
                markdown.Append("| status | when |\n|---|---|\n");
                foreach (var (status, response) in Map(operation, "responses"))
                {
                    markdown.Append($"| {status} | {Text(Map(response), "description").ReplaceLineEndings(" ").Trim()} |\n");
                }
                markdown.Append('\n');
            }
        }
        return markdown.ToString();
    }

    private static Dictionary<object, object> Map(object? node, string key) =>
        node is Dictionary<object, object> map ? Map(map.GetValueOrDefault(key)) : [];

    private static Dictionary<object, object> Map(object? node) => node as Dictionary<object, object> ?? [];

    private static string Text(Dictionary<object, object> map, string key) => map.GetValueOrDefault(key)?.ToString() ?? "";
}
