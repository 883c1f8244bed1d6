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
        var problems = RouterConfigValidator.Validate(config).ToList();
        ResolveInstructionFiles(config, source, problems);
        return problems.Count == 0 ? config : throw new RouterConfigException(source, problems);
    }

    /// <summary>Largest prompt file accepted: it is sent to Codex with every catalog fetch.</summary>
    public const int MaxInstructionsBytes = 256 * 1024;

    /// <summary>Prompt files are named relative to the configuration file; they must exist and be readable.</summary>
    private static void ResolveInstructionFiles(RouterConfig config, string source, List<string> problems)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(source)) ?? ".";
        config.InstructionsFile = Resolve("instructions_file", config.InstructionsFile);
        foreach (var (name, group) in config.Groups)
        {
            if (group is not null)
            {
                group.InstructionsFile = Resolve($"groups.{name}.instructions_file", group.InstructionsFile);
            }
        }

        string? Resolve(string key, string? file)
        {
            if (string.IsNullOrWhiteSpace(file))
            {
                return null;
            }
            var path = Path.GetFullPath(file, folder);
            var info = new FileInfo(path);
            if (!info.Exists)
            {
                problems.Add($"{key}: '{file}' not found (paths are relative to the configuration file)");
            }
            else if (info.Length > MaxInstructionsBytes)
            {
                problems.Add($"{key}: '{file}' is larger than {MaxInstructionsBytes / 1024} KiB");
            }
            return path;
        }
    }

    private static string Describe(YamlException e)
    {
        var at = $"line {e.Start.Line}, column {e.Start.Column}";
        var message = e.InnerException is { } inner && e.Message.StartsWith("Exception during deserialization", StringComparison.Ordinal)
            ? inner.Message
            : e.Message;
        return $"{at}: {Friendly(TrimMark().Replace(message, ""))}";
    }

    /// <summary>YamlDotNet speaks of .NET types and parser events; say it in the file's terms instead.</summary>
    private static string Friendly(string message)
    {
        if (UnknownProperty().Match(message) is { Success: true } unknown)
        {
            return $"unknown key '{unknown.Groups[1].Value}'";
        }
        if (ExpectedEvent().Match(message) is { Success: true } expected)
        {
            return $"expected {Shape(expected.Groups[1].Value)} here, found {Shape(expected.Groups[2].Value)}";
        }
        if (NotBoolean().Match(message) is { Success: true } boolean)
        {
            return $"'{boolean.Groups[1].Value}' is not true or false";
        }
        if (NotNumber().Match(message) is { Success: true } number)
        {
            return $"'{number.Groups[1].Value}' is not a number";
        }
        if (message.Contains("deserialize the node into type", StringComparison.Ordinal) || message.StartsWith("Invalid cast", StringComparison.Ordinal))
        {
            return "this value does not have the shape its key needs (a mapping, a list or a single value)";
        }
        return TrailingMark().Replace(message, "");
    }

    private static string Shape(string parserEvent) => parserEvent switch
    {
        "MappingStart" => "a mapping (key: value)",
        "SequenceStart" => "a list",
        "Scalar" => "a single value",
        _ => parserEvent,
    };

    [GeneratedRegex("Property '([^']+)' not found on type")]
    private static partial Regex UnknownProperty();

    [GeneratedRegex("Expected '(\\w+)', got '(\\w+)'")]
    private static partial Regex ExpectedEvent();

    [GeneratedRegex("The value \"([^\"]*)\" is not a valid YAML Boolean")]
    private static partial Regex NotBoolean();

    [GeneratedRegex("The input string '([^']*)' was not in a correct format")]
    private static partial Regex NotNumber();

    // YamlDotNet repeats the position as "(Line: 1, Col: 2, Idx: 3) - (...): "; we already say where.
    [GeneratedRegex(@"^\(Line: \d+, Col: \d+, Idx: \d+\) - \(Line: \d+, Col: \d+, Idx: \d+\): ")]
    private static partial Regex TrimMark();

    [GeneratedRegex(@" ?\(at Line: \d+, Col: \d+, Idx: \d+\)\.?$")]
    private static partial Regex TrailingMark();
}

