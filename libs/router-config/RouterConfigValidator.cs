using System.Text.RegularExpressions;

namespace GenAiRouter.RouterConfig;

/// <summary>The rules a loaded configuration must meet; each problem names the key path it is about.</summary>
public static partial class RouterConfigValidator
{
    public static readonly IReadOnlySet<string> Capabilities = new HashSet<string>(StringComparer.Ordinal)
    {
        "tools", "hosted_tools", "reasoning", "images", "streaming", "structured_output", "previous_response_id",
    };

    public static IReadOnlyList<string> Validate(RouterConfig config)
    {
        var problems = new List<string>();
        if (!NamePart().IsMatch(config.Issuer))
        {
            problems.Add($"issuer: must be lowercase letters, digits and '-', got '{config.Issuer}'");
        }
        if (!EnvName().IsMatch(config.AdminKeyEnv))
        {
            problems.Add($"admin_key_env: must name an environment variable, got '{config.AdminKeyEnv}'");
        }
        if (config.Limits.MaxBodyMb is < 1 or > 1024)
        {
            problems.Add($"limits.max_body_mb: must be between 1 and 1024, got {config.Limits.MaxBodyMb}");
        }
        if (config.Limits.MaxResponseMb is < 1 or > 1024)
        {
            problems.Add($"limits.max_response_mb: must be between 1 and 1024, got {config.Limits.MaxResponseMb}");
        }
        foreach (var (key, value) in new[]
        {
            ("connect_timeout", config.Limits.ConnectTimeout),
            ("first_byte_timeout", config.Limits.FirstByteTimeout),
            ("idle_timeout", config.Limits.IdleTimeout),
        })
        {
            if (!DurationText.TryParse(value, out _))
            {
                problems.Add($"limits.{key}: expected a duration like 5s or 2m, got '{value}'");
            }
        }
        if (config.Docs.Contact.Length is 0 or > 500)
        {
            problems.Add("docs.contact: must be between 1 and 500 characters");
        }
        foreach (var network in config.Docs.TrustedProxies)
        {
            if (!System.Net.IPNetwork.TryParse(network ?? "", out _))
            {
                problems.Add($"docs.trusted_proxies: expected a network like 10.0.0.0/8, got '{network}'");
            }
        }
        if (config.Groups.Count == 0)
        {
            problems.Add("groups: list at least one model group");
        }
        foreach (var (name, project) in config.Projects)
        {
            ValidateQuota($"projects.{name}.quota", project?.Quota, problems);
        }
        foreach (var (name, group) in config.Groups)
        {
            ValidateQuota($"groups.{name}.quota", group?.Quota, problems);
            ValidateGroup($"groups.{name}", name, group ?? new GroupConfig(), config.Bridge.Enabled, problems);
        }
        return problems;
    }

    private static void ValidateQuota(string at, QuotaConfig? quota, List<string> problems)
    {
        if (quota is null)
        {
            return;
        }
        foreach (var (key, value) in new (string, double?)[]
        {
            ("rpm", quota.Rpm), ("tpm", quota.Tpm), ("concurrency", quota.Concurrency), ("budget_per_day", quota.BudgetPerDay), ("budget_per_month", quota.BudgetPerMonth),
        })
        {
            if (value is <= 0)
            {
                problems.Add($"{at}.{key}: must be above zero (leave it out for no limit), got {value}");
            }
        }
    }

    private static void ValidateGroup(string at, string name, GroupConfig group, bool bridgeEnabled, List<string> problems)
    {
        if (!GroupName().IsMatch(name))
        {
            problems.Add($"{at}: a group name is lowercase letters, digits, '-', '.' and ':'");
        }
        if (group.Reasoning is { } reasoning)
        {
            ValidateLevels($"{at}.reasoning", reasoning, problems);
        }
        if (group.Cache?.Ttl is { } ttl && !DurationText.TryParse(ttl, out _))
        {
            problems.Add($"{at}.cache.ttl: expected a duration like 90s, 10m, 2h or 1d, got '{ttl}'");
        }
        if (group.Cache is { MaxEntryKb: < 1 } cache)
        {
            problems.Add($"{at}.cache.max_entry_kb: expected at least 1, got {cache.MaxEntryKb}");
        }
        if (group.Targets.Count == 0)
        {
            problems.Add($"{at}.targets: a group needs at least one target");
        }
        if (group.ContextWindow is < 1)
        {
            problems.Add($"{at}.context_window: must be a positive number of tokens, got {group.ContextWindow}");
        }
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < group.Targets.Count; i++)
        {
            var target = group.Targets[i];
            var tat = $"{at}.targets[{i}]";
            if (string.IsNullOrWhiteSpace(target.Name))
            {
                problems.Add($"{tat}.name: required");
            }
            else if (!names.Add(target.Name))
            {
                problems.Add($"{tat}.name: '{target.Name}' is used twice in this group");
            }
            ValidateTarget(tat, target, bridgeEnabled, problems);
        }
    }

    private static void ValidateTarget(string at, TargetConfig target, bool bridgeEnabled, List<string> problems)
    {
        if (target.Api is not ("responses" or "chat" or "messages"))
        {
            problems.Add($"{at}.api: must be 'responses', 'chat' or 'messages', got '{target.Api}'");
        }
        if (!Uri.TryCreate(target.BaseUrl, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            problems.Add($"{at}.base_url: must be an absolute http(s) URL, got '{target.BaseUrl}'");
        }
        if (string.IsNullOrWhiteSpace(target.Model))
        {
            problems.Add($"{at}.model: required (the model name the upstream knows)");
        }
        if (target.ApiKeyEnv is { } keyEnv && !EnvName().IsMatch(keyEnv))
        {
            problems.Add($"{at}.api_key_env: must name an environment variable (the key itself never goes in this file), got '{keyEnv}'");
        }
        foreach (var capability in target.Capabilities.Where(c => !Capabilities.Contains(c)))
        {
            problems.Add($"{at}.capabilities: unknown capability '{capability}' (known: {string.Join(", ", Capabilities)})");
        }
        if (target.Priority < 1)
        {
            problems.Add($"{at}.priority: must be 1 or more (1 is tried first)");
        }
        if (target.Weight < 1)
        {
            problems.Add($"{at}.weight: must be 1 or more");
        }
        if (target.Prices is { } p && (p.InputPerMtok < 0 || p.CachedInputPerMtok < 0 || p.OutputPerMtok < 0 || p.PerImage < 0 || p.CacheWritePerMtok < 0))
        {
            problems.Add($"{at}.prices: prices cannot be negative");
        }
        if (target.Reasoning is { } reasoning)
        {
            ValidateLevels($"{at}.reasoning", reasoning, problems);
        }
        if (target.ContextWindow is < 1)
        {
            problems.Add($"{at}.context_window: must be a positive number of tokens, got {target.ContextWindow}");
        }
        if (target.ReasoningBoundary is { } boundary && string.IsNullOrWhiteSpace(boundary))
        {
            problems.Add($"{at}.reasoning_boundary: name the boundary, or leave the key out");
        }
        if (target.DropHostedTools && target.Api != "messages")
        {
            problems.Add($"{at}.drop_hosted_tools: only for a messages target (a chat target says it in responses_to_chat)");
        }
        if (target.MaxOutputTokens is < 1)
        {
            problems.Add($"{at}.max_output_tokens: must be a positive number of tokens, got {target.MaxOutputTokens}");
        }
        if (target.Api != "chat" && target.ResponsesToChat is not null)
        {
            problems.Add($"{at}.responses_to_chat: only a chat target takes it (what the bridge may send that chat server)");
        }
        if (target.ResponsesToChat?.PreviousResponseId == true)
        {
            problems.Add($"{at}.responses_to_chat.previous_response_id: the bridge is stateless and cannot serve previous_response_id (the earlier turns live with the upstream); remove the flag");
        }
        if (target.Api == "chat" && bridgeEnabled && target.ResponsesToChat?.Reasoning == true && target.Reasoning?.Param is null)
        {
            problems.Add($"{at}.reasoning.param: a bridged target with reasoning needs the chat parameter that carries it (e.g. reasoning_effort)");
        }
    }

    private static void ValidateLevels(string at, ReasoningConfig reasoning, List<string> problems)
    {
        if (reasoning.Levels.Count == 0)
        {
            problems.Add($"{at}.levels: list at least one level");
        }
        if (reasoning.Default is { } level && !reasoning.Levels.Contains(level))
        {
            problems.Add($"{at}.default: '{level}' is not one of the levels ({string.Join(", ", reasoning.Levels)})");
        }
    }

    [GeneratedRegex("^[a-z0-9-]+$")]
    private static partial Regex NamePart();

    [GeneratedRegex("^[a-z0-9][a-z0-9.:-]*$")]
    private static partial Regex GroupName();

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex EnvName();
}
