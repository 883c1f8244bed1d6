using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace GenAiRouter.RouterConfig;

/// <summary>A configuration file that cannot be used, with every problem found in it.</summary>
public sealed class RouterConfigException(string path, IReadOnlyList<string> problems)
    : Exception($"{path}: {string.Join("; ", problems)}")
{
    public string Path { get; } = path;
    public IReadOnlyList<string> Problems { get; } = problems;
}

/// <summary>Reads and validates the router configuration file.</summary>
public static partial class RouterConfigLoader
{
    private static readonly IDeserializer Deserializer = new DeserializerBuilder()
        .WithNamingConvention(UnderscoredNamingConvention.Instance)
        .Build();

    public static RouterConfig Load(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new RouterConfigException(path, ["file not found"]);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new RouterConfigException(path, [$"cannot be read ({e.Message})"]);
        }
        return Parse(text, path);
    }

    /// <summary>Parses and validates; <paramref name="source"/> names the file in messages.</summary>
    public static RouterConfig Parse(string yaml, string source)
    {
        RouterConfig? config;
        try
        {
            config = Deserializer.Deserialize<RouterConfig?>(yaml);
        }
        catch (YamlException e)
        {
            throw new RouterConfigException(source, [Describe(e)]);
        }
        config ??= new RouterConfig();
        var problems = RouterConfigValidator.Validate(config);
        return problems.Count == 0 ? config : throw new RouterConfigException(source, problems);
    }

    private static string Describe(YamlException e)
    {
        var at = $"line {e.Start.Line}, column {e.Start.Column}";
        // YamlDotNet reports an unknown key as "Property 'x' not found on type 'Y'."
        var unknown = UnknownProperty().Match(e.Message);
        if (unknown.Success)
        {
            return $"{at}: unknown key '{unknown.Groups[1].Value}'";
        }
        var inner = e.InnerException?.Message;
        var what = e.Message.StartsWith("Exception during deserialization", StringComparison.Ordinal) && inner is not null
            ? inner
            : e.Message;
        return $"{at}: {TrimMark().Replace(what, "")}";
    }

    [GeneratedRegex("Property '([^']+)' not found on type")]
    private static partial Regex UnknownProperty();

    // YamlDotNet repeats the position as "(Line: 1, Col: 2, Idx: 3) - (...): "; we already say where.
    [GeneratedRegex(@"^\(Line: \d+, Col: \d+, Idx: \d+\) - \(Line: \d+, Col: \d+, Idx: \d+\): ")]
    private static partial Regex TrimMark();
}
