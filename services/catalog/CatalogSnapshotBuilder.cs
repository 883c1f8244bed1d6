using GenAiRouter.Contracts.V1;
using GenAiRouter.RouterConfig;
using Google.Protobuf.WellKnownTypes;

namespace GenAiRouter.Catalog;

/// <summary>Turns a validated configuration into the snapshot ingress routes from.</summary>
public static class CatalogSnapshotBuilder
{
    public static CatalogSnapshot Build(RouterConfig.RouterConfig config, long version)
    {
        var snapshot = new CatalogSnapshot
        {
            Version = version,
            Issuer = config.Issuer,
            BridgeEnabled = config.Bridge.Enabled,
            Limits = new Limits
            {
                MaxBodyBytes = config.Limits.MaxBodyMb * 1024L * 1024L,
                MaxResponseBytes = config.Limits.MaxResponseMb * 1024L * 1024L,
                ConnectTimeout = ToDuration(config.Limits.ConnectTimeout),
                FirstByteTimeout = ToDuration(config.Limits.FirstByteTimeout),
                IdleTimeout = ToDuration(config.Limits.IdleTimeout),
            },
            Docs = new Docs { Contact = config.Docs.Contact, TrustedProxies = { config.Docs.TrustedProxies } },
        };
        foreach (var (name, project) in config.Projects)
        {
            if (Quota(project?.Quota) is { } quota)
            {
                snapshot.ProjectQuotas[name] = quota;
            }
        }
        foreach (var (name, group) in config.Groups)
        {
            snapshot.Groups.Add(BuildGroup(name, group, Instructions(group.InstructionsFile ?? config.InstructionsFile)));
        }
        return snapshot;
    }

    /// <summary>The configuration's quota as the catalog carries it (zero: no limit), or null for none at all.</summary>
    public static Quota? Quota(QuotaConfig? quota) => quota is null ? null : new Quota
    {
        RequestsPerMinute = quota.Rpm ?? 0,
        TokensPerMinute = quota.Tpm ?? 0,
        ConcurrentRequests = quota.Concurrency ?? 0,
        BudgetPerDay = quota.BudgetPerDay ?? 0,
        BudgetPerMonth = quota.BudgetPerMonth ?? 0,
    };

    /// <summary>The coding-agent prompt the router ships, for groups whose configuration names no prompt file.</summary>
    public static string DefaultInstructions { get; } = ReadDefaultInstructions();

    private static string Instructions(string? file) => file is null ? DefaultInstructions : File.ReadAllText(file);

    private static string ReadDefaultInstructions()
    {
        using var stream = typeof(CatalogSnapshotBuilder).Assembly.GetManifestResourceStream("coding-agent.md")
            ?? throw new InvalidOperationException("the default coding-agent prompt is not embedded");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    private static Duration ToDuration(string text) =>
        Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(DurationText.TryParse(text, out var value) ? value : throw new ArgumentException($"not a validated duration: {text}", nameof(text)));

    private static Group BuildGroup(string name, GroupConfig config, string instructions)
    {
        var group = new Group { Name = name, Description = config.Description ?? "", Instructions = instructions, Quota = Quota(config.Quota) };
        if (config.Reasoning is { } reasoning)
        {
            group.Reasoning = new ReasoningLevels { DefaultLevel = reasoning.Default ?? "" };
            group.Reasoning.Levels.Add(reasoning.Levels);
        }
        if (DurationText.TryParse(config.Cache?.Ttl, out var ttl))
        {
            group.CacheTtl = Duration.FromTimeSpan(ttl);
            group.CacheMaxEntryBytes = config.Cache!.MaxEntryKb * 1024L;
        }
        group.Targets.Add(config.Targets.Select(BuildTarget));
        // What a conversation may hold in this group: as configured, else what every target can take.
        group.ContextWindow = config.ContextWindow
            ?? (config.Targets.Count > 0 && config.Targets.All(t => t.ContextWindow is not null) ? config.Targets.Min(t => t.ContextWindow!.Value) : 0);
        return group;
    }

    private static Target BuildTarget(TargetConfig config)
    {
        var target = new Target
        {
            Name = config.Name,
            Api = config.Api switch { "chat" => Protocol.Chat, "messages" => Protocol.Messages, _ => Protocol.Responses },
            BaseUrl = config.BaseUrl,
            Model = config.Model,
            ApiKeyEnv = config.ApiKeyEnv ?? "",
            Priority = config.Priority,
            Weight = config.Weight,
            ContextWindow = config.ContextWindow ?? 0,
            // The upstream account is what decrypts: by default, the same URL with the same key.
            ReasoningBoundary = config.ReasoningBoundary ?? $"{config.BaseUrl}|{config.ApiKeyEnv}",
            DropHostedTools = config.DropHostedTools,
            MaxOutputTokens = config.MaxOutputTokens ?? 0,
        };
        target.Capabilities.Add(config.Capabilities.Select(ToCapability));
        if (config.Prices is { } p)
        {
            target.Prices = new Prices { InputPerMtok = p.InputPerMtok, CachedInputPerMtok = p.CachedInputPerMtok, OutputPerMtok = p.OutputPerMtok, PerImage = p.PerImage, CacheWritePerMtok = p.CacheWritePerMtok };
        }
        if (config.Reasoning is { } r)
        {
            target.Reasoning = new TargetReasoning { Param = r.Param ?? "" };
            target.Reasoning.Levels.Add(r.Levels);
        }
        if (config.ResponsesToChat is { } b)
        {
            target.ResponsesToChat = new ResponsesToChat
            {
                Reasoning = b.Reasoning,
                Streaming = b.Streaming,
                Images = b.Images,
                StructuredOutput = b.StructuredOutput,
                PreviousResponseId = b.PreviousResponseId,
                DropHostedTools = b.DropHostedTools,
            };
        }
        return target;
    }

    private static Capability ToCapability(string name) => name switch
    {
        "tools" => Capability.Tools,
        "hosted_tools" => Capability.HostedTools,
        "reasoning" => Capability.Reasoning,
        "images" => Capability.Images,
        "streaming" => Capability.Streaming,
        "structured_output" => Capability.StructuredOutput,
        "previous_response_id" => Capability.PreviousResponseId,
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "validated configurations name only known capabilities"),
    };
}
