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
    public Dictionary<string, GroupConfig> Groups { get; set; } = [];
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

public sealed class BridgeConfig
{
    public bool Enabled { get; set; }
}

public sealed class GroupConfig
{
    public string? Description { get; set; }
    public ReasoningConfig? Reasoning { get; set; }
    public CacheConfig? Cache { get; set; }
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
}

public sealed class PricesConfig
{
    public double InputPerMtok { get; set; }
    public double CachedInputPerMtok { get; set; }
    public double OutputPerMtok { get; set; }
    public double PerImage { get; set; }
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
