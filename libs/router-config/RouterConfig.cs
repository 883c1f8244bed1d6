namespace GenAiRouter.RouterConfig;

// The YAML document as users write it (snake_case keys). Strings stay strings here so that
// validation can say precisely what is wrong instead of a type-conversion error.

/// <summary>The whole router configuration file.</summary>
public sealed class RouterConfig
{
    public string Issuer { get; set; } = "metrum";
    public string AdminKeyEnv { get; set; } = "ROUTER_ADMIN_KEY";
    /// <summary>Where the standalone topology keeps tokens and usage; defaults to the user's state directory.</summary>
    public string? DataDir { get; set; }
    public BridgeConfig Bridge { get; set; } = new();
    public LimitsConfig Limits { get; set; } = new();
    public DocsConfig Docs { get; set; } = new();
    /// <summary>
    /// The prompt Codex is given for every group (its catalog's <c>base_instructions</c>), a file relative to this one;
    /// unset: the coding-agent prompt the router ships. A group's own <c>instructions_file</c> wins.
    /// </summary>
    public string? InstructionsFile { get; set; }
    public Dictionary<string, GroupConfig> Groups { get; set; } = [];
    /// <summary>Per project (the caller token's project): rate limits and spend caps for all its tokens together.</summary>
    public Dictionary<string, ProjectConfig> Projects { get; set; } = [];
}

public sealed class ProjectConfig
{
    public QuotaConfig? Quota { get; set; }
}

/// <summary>Rate limits and spend caps; a key left out is no limit. The tightest applicable limit wins.</summary>
public sealed class QuotaConfig
{
    /// <summary>Requests per minute.</summary>
    public int? Rpm { get; set; }
    /// <summary>Tokens (input plus output) per minute.</summary>
    public long? Tpm { get; set; }
    /// <summary>Requests in flight at once.</summary>
    public int? Concurrency { get; set; }
    /// <summary>Spend in USD per UTC day, from the targets' prices.</summary>
    public double? BudgetPerDay { get; set; }
    /// <summary>Spend in USD per UTC calendar month.</summary>
    public double? BudgetPerMonth { get; set; }
}

/// <summary>What ingress accepts and how long it waits on upstreams.</summary>
public sealed class LimitsConfig
{
    /// <summary>Largest request body, in MiB (images travel inline as data URLs).</summary>
    public int MaxBodyMb { get; set; } = 32;
    /// <summary>Largest whole (non-streamed) answer taken from an upstream, in MiB; a larger one is a 502, not memory exhausted.</summary>
    public int MaxResponseMb { get; set; } = 64;
    public string ConnectTimeout { get; set; } = "5s";
    /// <summary>Until the upstream's response headers arrive.</summary>
    public string FirstByteTimeout { get; set; } = "120s";
    /// <summary>Longest silence between two chunks of a response once it started.</summary>
    public string IdleTimeout { get; set; } = "300s";
}

/// <summary>The docs the router serves at its root.</summary>
public sealed class DocsConfig
{
    /// <summary>Who readers ask for a caller token or access to another group: a name, an address or a link, as text.</summary>
    public string Contact { get; set; } = "your platform team";

    /// <summary>
    /// The networks (CIDR) of the reverse proxies in front of ingress: only a request from one of them has its
    /// X-Forwarded-Host, -Proto and -Prefix believed when the docs write the router's address into examples.
    /// The default covers loopback and the private ranges where ingress controllers and cluster pods live.
    /// </summary>
    public List<string> TrustedProxies { get; set; } = ["127.0.0.0/8", "::1/128", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"];
}

public sealed class BridgeConfig
{
    public bool Enabled { get; set; }
}

public sealed class GroupConfig
{
    public string? Description { get; set; }
    /// <summary>Tokens a conversation may hold in this group; unset: the smallest of its targets' context windows.</summary>
    public int? ContextWindow { get; set; }
    /// <summary>This group's prompt for Codex, a file relative to the configuration file.</summary>
    public string? InstructionsFile { get; set; }
    public ReasoningConfig? Reasoning { get; set; }
    public CacheConfig? Cache { get; set; }
    /// <summary>Rate limits and spend caps for each caller token in this group.</summary>
    public QuotaConfig? Quota { get; set; }
    public List<TargetConfig> Targets { get; set; } = [];
}

public sealed class ReasoningConfig
{
    public List<string> Levels { get; set; } = [];
    public string? Default { get; set; }
    /// <summary>On a chat target: the chat request parameter that carries the effort.</summary>
    public string? Param { get; set; }
}

public sealed class CacheConfig
{
    public string? Ttl { get; set; }
    /// <summary>Larger answers are served but not cached, in KiB.</summary>
    public int MaxEntryKb { get; set; } = 1024;
}

public sealed class TargetConfig
{
    public string? Name { get; set; }
    public string? Api { get; set; }
    public string? BaseUrl { get; set; }
    public string? Model { get; set; }
    public string? ApiKeyEnv { get; set; }
    public List<string> Capabilities { get; set; } = [];
    public int Priority { get; set; } = 1;
    public int Weight { get; set; } = 1;
    public PricesConfig? Prices { get; set; }
    public ReasoningConfig? Reasoning { get; set; }
    public ResponsesToChatConfig? ResponsesToChat { get; set; }
    /// <summary>Tokens of context the upstream model takes.</summary>
    public int? ContextWindow { get; set; }
    /// <summary>
    /// Targets that can read each other's encrypted reasoning (the same upstream account) share a boundary; unset, a
    /// target's boundary is its base URL and key variable.
    /// </summary>
    public string? ReasoningBoundary { get; set; }
    /// <summary>A Messages target serving a caller of another protocol may leave out the hosted tools it named.</summary>
    public bool DropHostedTools { get; set; }
    /// <summary>The answer length to ask for when a caller did not say and the target requires it (Messages).</summary>
    public int? MaxOutputTokens { get; set; }
}

public sealed class PricesConfig
{
    public double InputPerMtok { get; set; }
    public double CachedInputPerMtok { get; set; }
    public double OutputPerMtok { get; set; }
    public double PerImage { get; set; }
    public double CacheWritePerMtok { get; set; }
}

public sealed class ResponsesToChatConfig
{
    public bool Reasoning { get; set; }
    public bool Streaming { get; set; }
    public bool Images { get; set; }
    public bool StructuredOutput { get; set; }
    public bool PreviousResponseId { get; set; }
    public bool DropHostedTools { get; set; }
}
