using GenAiRouter.RouterConfig;

namespace GenAiRouter.RouterConfig.Tests;

public sealed class RouterConfigLoaderTests
{
    private const string ValidGroup = """
        groups:
          big-coder:
            targets:
              - name: native
                api: responses
                base_url: https://llm.example.com/v1
                model: gpt-5.1-codex
                api_key_env: OPENAI_API_KEY
        """;

    [Fact]
    public void The_shipped_example_configuration_is_valid()
    {
        var config = RouterConfigLoader.Load(Path.Combine(RepoRoot(), "config", "genai-router.yaml"));

        Assert.Equal("metrum", config.Issuer);
        Assert.True(config.Bridge.Enabled);
        Assert.Equal(["big-coder", "claude"], config.Groups.Keys);
        var coder = config.Groups["big-coder"];
        Assert.Equal(["openai", "local-vllm"], coder.Targets.Select(t => t.Name));
        Assert.Equal("reasoning_effort", coder.Targets[1].Reasoning?.Param);
        Assert.True(coder.Targets[1].ResponsesToChat?.DropHostedTools);
        var claude = Assert.Single(config.Groups["claude"].Targets);
        Assert.Equal(("messages", true, 32000, 3.75), (claude.Api, claude.DropHostedTools, claude.MaxOutputTokens, claude.Prices?.CacheWritePerMtok));
    }

    [Fact]
    public void Defaults_apply_to_keys_left_out()
    {
        var config = RouterConfigLoader.Parse(ValidGroup, "router.yaml");

        Assert.Equal("metrum", config.Issuer);
        Assert.Equal("ROUTER_ADMIN_KEY", config.AdminKeyEnv);
        Assert.False(config.Bridge.Enabled);
        Assert.Equal(1, config.Groups["big-coder"].Targets[0].Priority);
    }

    [Fact]
    public void A_missing_file_is_named_with_the_problem()
    {
        var path = Path.Combine(Path.GetTempPath(), $"no-such-{Guid.NewGuid():N}.yaml");

        var e = Assert.Throws<RouterConfigException>(() => RouterConfigLoader.Load(path));

        Assert.Equal($"{path}: file not found", e.Message);
    }

    [Fact]
    public void Malformed_yaml_names_the_line()
    {
        var e = Assert.Throws<RouterConfigException>(() => RouterConfigLoader.Parse("issuer: metrum\ngroups: [unclosed\n", "router.yaml"));

        Assert.StartsWith("router.yaml: line ", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("issuer: metrum\nissuers: typo\n", "line 2, column 1: unknown key 'issuers'")]
    [InlineData("bridge:\n  enable: true\n", "line 2, column 3: unknown key 'enable'")]
    [InlineData(ValidGroup + "\n        temperature: 2\n", "line 9, column 9: unknown key 'temperature'")]
    public void An_unknown_key_is_an_error_with_its_position(string yaml, string expected)
    {
        var e = Assert.Throws<RouterConfigException>(() => RouterConfigLoader.Parse(yaml, "router.yaml"));

        Assert.Equal($"router.yaml: {expected}", e.Message);
    }

    [Theory]
    [InlineData("groups: [big-coder]\n", "line 1, column 9: expected a mapping (key: value) here, found a list")]
    [InlineData("groups: 5\n", "line 1, column 9: this value does not have the shape its key needs (a mapping, a list or a single value)")]
    [InlineData("bridge: { enabled: maybe }\n", "line 1, column 20: 'maybe' is not true or false")]
    [InlineData(ValidGroup + "\n        priority: first\n", "line 9, column 19: 'first' is not a number")]
    public void A_value_of_the_wrong_shape_is_described_in_the_files_terms(string yaml, string expected)
    {
        var e = Assert.Throws<RouterConfigException>(() => RouterConfigLoader.Parse(yaml, "router.yaml"));

        Assert.Equal($"router.yaml: {expected}", e.Message);
        Assert.DoesNotContain("System.", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("api: responses", "api: completions", "groups.big-coder.targets[0].api: must be 'responses', 'chat' or 'messages', got 'completions'")]
    [InlineData("base_url: https://llm.example.com/v1", "base_url: llm.example.com", "groups.big-coder.targets[0].base_url: must be an absolute http(s) URL, got 'llm.example.com'")]
    [InlineData("api_key_env: OPENAI_API_KEY", "api_key_env: sk-live-123", "groups.big-coder.targets[0].api_key_env: must name an environment variable (the key itself never goes in this file), got 'sk-live-123'")]
    [InlineData("model: gpt-5.1-codex", "model: ''", "groups.big-coder.targets[0].model: required (the model name the upstream knows)")]
    [InlineData("name: native", "name: native\n        capabilities: [tools, telepathy]", "groups.big-coder.targets[0].capabilities: unknown capability 'telepathy' (known: tools, hosted_tools, reasoning, images, streaming, structured_output, previous_response_id)")]
    [InlineData("name: native", "name: native\n        priority: 0", "groups.big-coder.targets[0].priority: must be 1 or more (1 is tried first)")]
    [InlineData("big-coder:", "big-coder:\n    cache: { ttl: soon }", "groups.big-coder.cache.ttl: expected a duration like 90s, 10m, 2h or 1d, got 'soon'")]
    [InlineData("big-coder:", "big-coder:\n    reasoning: { levels: [low, high], default: medium }", "groups.big-coder.reasoning.default: 'medium' is not one of the levels (low, high)")]
    [InlineData("big-coder:", "big-coder:\n    context_window: 0", "groups.big-coder.context_window: must be a positive number of tokens, got 0")]
    [InlineData("name: native", "name: native\n        context_window: -5", "groups.big-coder.targets[0].context_window: must be a positive number of tokens, got -5")]
    [InlineData("name: native", "name: native\n        reasoning_boundary: ' '", "groups.big-coder.targets[0].reasoning_boundary: name the boundary, or leave the key out")]
    [InlineData("big-coder:", "big-coder:\n    instructions_file: no-such-prompt.md", "groups.big-coder.instructions_file: 'no-such-prompt.md' not found (paths are relative to the configuration file)")]
    public void Validation_names_the_key_path_and_the_problem(string replace, string with, string expected)
    {
        var e = Assert.Throws<RouterConfigException>(() => RouterConfigLoader.Parse(ValidGroup.Replace(replace, with, StringComparison.Ordinal), "router.yaml"));

        Assert.Equal([expected], e.Problems);
    }

    [Theory]
    [InlineData("")]
    [InlineData("issuer: metrum\n")]
    public void A_configuration_without_groups_is_refused(string yaml)
    {
        var e = Assert.Throws<RouterConfigException>(() => RouterConfigLoader.Parse(yaml, "router.yaml"));

        Assert.Equal(["groups: list at least one model group"], e.Problems);
    }

    [Fact]
    public void Every_problem_is_reported_at_once()
    {
        var yaml = "issuer: Not_Valid\ngroups:\n  empty: {}\n";

        var e = Assert.Throws<RouterConfigException>(() => RouterConfigLoader.Parse(yaml, "router.yaml"));

        Assert.Equal(
            ["issuer: must be lowercase letters, digits and '-', got 'Not_Valid'", "groups.empty.targets: a group needs at least one target"],
            e.Problems);
    }

    [Theory]
    [InlineData("90s", 90)]
    [InlineData("10m", 600)]
    [InlineData("2h", 7200)]
    [InlineData("30d", 2592000)]
    public void Durations_read_as_people_write_them(string text, int seconds)
    {
        Assert.True(DurationText.TryParse(text, out var duration));
        Assert.Equal(TimeSpan.FromSeconds(seconds), duration);
    }

    [Theory]
    [InlineData("")]
    [InlineData("10")]
    [InlineData("m")]
    [InlineData("0m")]
    [InlineData("-5m")]
    [InlineData("1w")]
    [InlineData("1.5h")]
    public void Durations_that_are_not_positive_durations_are_refused(string text)
    {
        Assert.False(DurationText.TryParse(text, out _));
    }

    internal static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "GenAiRouter.sln")))
        {
            dir = dir.Parent;
        }
        return dir?.FullName ?? throw new InvalidOperationException("not inside the repository");
    }
}
