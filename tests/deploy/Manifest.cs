using YamlDotNet.RepresentationModel;

namespace GenAiRouter.Deploy.Tests;

/// <summary>
/// One YAML document (a Kubernetes or Dapr resource), read by path: <c>m["spec.pubsubname"]</c>; a key with dots in
/// it goes in brackets: <c>m["metadata.annotations[dapr.io/app-id]"]</c>.
/// </summary>
public sealed class Manifest(YamlMappingNode root, string source)
{
    public string Source { get; } = source;

    public string Kind => this["kind"] ?? "";

    public string Name => this["metadata.name"] ?? "";

    public YamlMappingNode Root { get; } = root;

    public string? this[string path] => Node(path) is YamlScalarNode scalar ? scalar.Value : null;

    public YamlNode? Node(string path)
    {
        YamlNode? node = Root;
        foreach (var part in Segments(path))
        {
            node = node is YamlMappingNode map && map.Children.TryGetValue(new YamlScalarNode(part), out var child) ? child : null;
        }
        return node;
    }

    private static IEnumerable<string> Segments(string path)
    {
        var start = 0;
        while (start < path.Length)
        {
            if (path[start] == '[')
            {
                var close = path.IndexOf(']', start);
                yield return path[(start + 1)..close];
                start = close + 1;
            }
            else
            {
                var end = path.IndexOfAny(['.', '['], start);
                end = end < 0 ? path.Length : end;
                yield return path[start..end];
                start = end;
            }
            if (start < path.Length && path[start] == '.')
            {
                start++;
            }
        }
    }

    public IReadOnlyList<string> Strings(string path) =>
        Node(path) is YamlSequenceNode list ? list.Children.OfType<YamlScalarNode>().Select(s => s.Value ?? "").ToList() : [];

    public IEnumerable<Manifest> Items(string path) =>
        Node(path) is YamlSequenceNode list ? list.Children.OfType<YamlMappingNode>().Select(m => new Manifest(m, Source)) : [];

    public static IReadOnlyList<Manifest> Parse(string yaml, string source)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        return stream.Documents.Select(d => d.RootNode).OfType<YamlMappingNode>().Select(m => new Manifest(m, source)).ToList();
    }

    public static IReadOnlyList<Manifest> Load(params string[] paths) =>
        paths.SelectMany(path => Parse(File.ReadAllText(path), Path.GetFileName(path))).ToList();

    public override string ToString() => $"{Kind}/{Name} ({Source})";
}
