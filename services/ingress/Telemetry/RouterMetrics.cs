using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using GenAiRouter.Contracts.V1;
using GenAiRouter.Ingress.Routing;
using GenAiRouter.Upstream;

namespace GenAiRouter.Ingress.Telemetry;

/// <summary>
/// Ingress's metrics and the upstream call's span. Each finished request is recorded once, from its usage event, off
/// the bytes' path: requests by door, group, target, status and route; the GenAI semantic conventions' duration, token
/// usage, time to first token and time per output token (the group as the requested model, the target's model as the
/// response model); the router's own time; translations; tokens and cost per project. Labels are bounded: groups and
/// targets come from the catalog (a group that does not exist is <c>unknown</c>), projects are capped and can be
/// turned off (<c>Router:Telemetry:ProjectLabels=false</c>); no label ever holds a token, a key or a prompt.
/// </summary>
public sealed class RouterMetrics
{
    public const string Name = "GenAiRouter.Ingress";

    /// <summary>The span around each call of an upstream target (natively or through the bridge).</summary>
    public static readonly ActivitySource Source = new(Name);

    /// <summary>Distinct projects labelled before the rest are counted as <c>other</c>.</summary>
    private const int MaxProjects = 200;

    private readonly Counter<long> _requests;
    private readonly Histogram<double> _duration;
    private readonly Histogram<long> _tokens;
    private readonly Histogram<double> _timeToFirstToken;
    private readonly Histogram<double> _timePerOutputToken;
    private readonly Histogram<double> _overhead;
    private readonly Counter<long> _translations;
    private readonly Counter<long> _failovers;
    private readonly Counter<long> _projectTokens;
    private readonly Counter<double> _projectCost;
    private readonly Counter<long> _validations;
    private readonly Counter<long> _usageEvents;
    private readonly Counter<long> _quotaRefusals;
    private readonly bool _projectLabels;
    private readonly ConcurrentDictionary<string, string> _projects = new(StringComparer.Ordinal);

    public RouterMetrics(IMeterFactory meters, IConfiguration configuration, TargetHealth health, GenAiRouter.Routing.CatalogSnapshots? catalog = null)
    {
        var meter = meters.Create(Name);
        _projectLabels = !string.Equals(configuration["Router:Telemetry:ProjectLabels"], "false", StringComparison.OrdinalIgnoreCase);
        _requests = meter.CreateCounter<long>("router.requests", "{request}", "Requests by door, group, target, status and route (native, bridged, cache)");
        _duration = meter.CreateHistogram<double>("gen_ai.client.operation.duration", "s", "Time from the request's arrival to its last byte");
        _tokens = meter.CreateHistogram<long>("gen_ai.client.token.usage", "{token}", "Tokens per request, by type (input, output)");
        _timeToFirstToken = meter.CreateHistogram<double>("gen_ai.server.time_to_first_token", "s", "Time to the first byte of a streamed answer");
        _timePerOutputToken = meter.CreateHistogram<double>("gen_ai.server.time_per_output_token", "s", "Time per output token after the first, in streamed answers");
        _overhead = meter.CreateHistogram<double>("router.overhead", "s", "The router's own time to the first byte: the caller's time to first byte minus the upstream's");
        _translations = meter.CreateCounter<long>("router.translations", "{request}", "Requests translated between protocols, by door protocol and target protocol");
        _failovers = meter.CreateCounter<long>("router.failovers", "{attempt}", "Target attempts that failed and moved on, by why");
        _projectTokens = meter.CreateCounter<long>("router.usage.tokens", "{token}", "Tokens by project, group and type (input, cached_input, output)");
        _projectCost = meter.CreateCounter<double>("router.usage.cost", "USD", "Cost from the catalog's prices, by project and group");
        _validations = meter.CreateCounter<long>("router.auth.validations", "{validation}", "Caller token checks by source (cache, auth service) and result");
        _quotaRefusals = meter.CreateCounter<long>("router.quota.refusals", "{request}", "Requests refused by a rate limit or budget, by scope (project, group) and limit");
        _usageEvents = meter.CreateCounter<long>("router.usage.events", "{event}", "Usage events by outcome (queued, published, spilled, dropped)");
        meter.CreateObservableGauge("router.target.cooling", () => health.Cooling().Select(t => new Measurement<int>(t.Cooling ? 1 : 0, new KeyValuePair<string, object?>("target", t.Target))),
            "{target}", "1 while a target is cooling down after repeated failures (tried last), else 0");
        if (catalog is not null)
        {
            meter.CreateObservableGauge("router.catalog.version", () => catalog.Current?.Version ?? 0, "{version}", "The catalog version this ingress routes from");
        }
    }

    /// <summary>One finished request: its usage event and what only the record knows (the upstream's time to first byte).</summary>
    public void Completed(UsageEvent usage, RequestRecord record)
    {
        var door = ProtocolText(record.Door.Protocol);
        var group = record.GroupFound ? usage.Group : "unknown";
        var route = usage.CacheHit ? "cache" : usage.Target.Length == 0 ? "none" : usage.Bridged ? "bridged" : "native";
        _requests.Add(1, new TagList
        {
            { "door", door }, { "group", group }, { "target", usage.Target.Length == 0 ? "none" : usage.Target },
            { "status", StatusText(usage.Status) }, { "route", route },
        });
        if (record.FirstByteMs is { } firstByte && record.UpstreamWaitMs is { } upstream)
        {
            _overhead.Record(Math.Max(0, firstByte - upstream) / 1000, new KeyValuePair<string, object?>("door", door));
        }
        else if (usage.CacheHit && record.FirstByteMs is { } hit)
        {
            _overhead.Record(hit / 1000, new KeyValuePair<string, object?>("door", door));
        }
        if (record.Target is not { } target)
        {
            return;
        }
        var genAi = new TagList
        {
            { "gen_ai.operation.name", "chat" }, { "gen_ai.provider.name", Provider(target.Api) },
            { "gen_ai.request.model", group }, { "gen_ai.response.model", target.Model },
        };
        if (usage.Status >= 400)
        {
            genAi.Add("error.type", StatusText(usage.Status));
        }
        _duration.Record(usage.LatencyMs / 1000, genAi);
        if (usage.Bridged)
        {
            _translations.Add(1, new KeyValuePair<string, object?>("from", door), new KeyValuePair<string, object?>("to", ProtocolText(target.Api)));
        }
        if (usage.InputTokens + usage.OutputTokens == 0)
        {
            return;
        }
        var input = genAi;
        input.Add("gen_ai.token.type", "input");
        _tokens.Record(usage.InputTokens, input);
        var output = genAi;
        output.Add("gen_ai.token.type", "output");
        _tokens.Record(usage.OutputTokens, output);
        if (usage.Stream && !usage.CacheHit)
        {
            _timeToFirstToken.Record(usage.TimeToFirstByteMs / 1000, genAi);
            if (usage.OutputTokens > 1)
            {
                _timePerOutputToken.Record((usage.LatencyMs - usage.TimeToFirstByteMs) / 1000 / (usage.OutputTokens - 1), genAi);
            }
        }
        var project = Project(usage.Project);
        _projectTokens.Add(usage.InputTokens - usage.CachedInputTokens, Usage(project, group, "input"));
        _projectTokens.Add(usage.CachedInputTokens, Usage(project, group, "cached_input"));
        _projectTokens.Add(usage.OutputTokens, Usage(project, group, "output"));
        _projectCost.Add(usage.TextCost + usage.ImageCost, Usage(project, group, null));
    }

    /// <summary>A target attempt failed and the request moves on to the next target (or runs out of them).</summary>
    public void FailedOver(string group, Target target, FailureKind why) =>
        _failovers.Add(1, new KeyValuePair<string, object?>("group", group), new KeyValuePair<string, object?>("target", target.Name),
            new KeyValuePair<string, object?>("reason", why.ToString().ToLowerInvariant()));

    /// <summary>A caller token check: answered from ingress's cache or by the auth service, accepted or why not.</summary>
    public void Validated(bool fromCache, Auth.AuthFailure failure) =>
        _validations.Add(1, new KeyValuePair<string, object?>("source", fromCache ? "cache" : "auth_service"), new KeyValuePair<string, object?>("result", failure switch
        {
            Auth.AuthFailure.None => "accepted",
            Auth.AuthFailure.Expired => "expired",
            Auth.AuthFailure.Revoked => "revoked",
            Auth.AuthFailure.Malformed => "malformed",
            Auth.AuthFailure.Missing => "missing",
            Auth.AuthFailure.AuthUnavailable => "auth_unavailable",
            _ => "unknown",
        }));

    public void QuotaRefused(string scope, Quotas.QuotaRefusal limit) =>
        _quotaRefusals.Add(1, new KeyValuePair<string, object?>("scope", scope), new KeyValuePair<string, object?>("limit", limit switch
        {
            Quotas.QuotaRefusal.Requests => "requests_per_minute",
            Quotas.QuotaRefusal.Tokens => "tokens_per_minute",
            Quotas.QuotaRefusal.Concurrency => "concurrency",
            Quotas.QuotaRefusal.BudgetPerDay => "budget_per_day",
            _ => "budget_per_month",
        }));

    public void UsageEvents(string outcome, int count) => _usageEvents.Add(count, new KeyValuePair<string, object?>("outcome", outcome));

    /// <summary>Starts the span of one upstream call, with the GenAI attributes (never prompt or completion content).</summary>
    public static Activity? StartUpstreamCall(string group, Target target, Protocol door)
    {
        var activity = Source.StartActivity($"chat {group}", ActivityKind.Client);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("gen_ai.operation.name", "chat");
            activity.SetTag("gen_ai.provider.name", Provider(target.Api));
            activity.SetTag("gen_ai.request.model", group);
            activity.SetTag("gen_ai.response.model", target.Model);
            activity.SetTag("router.target", target.Name);
            activity.SetTag("router.door", ProtocolText(door));
            activity.SetTag("router.route", target.Api == door ? "native" : "bridged");
        }
        return activity;
    }

    private static TagList Usage(string? project, string group, string? type)
    {
        var tags = new TagList { { "group", group } };
        if (project is not null)
        {
            tags.Add("project", project);
        }
        if (type is not null)
        {
            tags.Add("type", type);
        }
        return tags;
    }

    private string? Project(string project)
    {
        if (!_projectLabels)
        {
            return null;
        }
        if (_projects.TryGetValue(project, out var label))
        {
            return label;
        }
        return _projects.Count >= MaxProjects ? "other" : _projects.GetOrAdd(project, project);
    }

    private static string Provider(Protocol api) => api == Protocol.Messages ? "anthropic" : "openai";

    /// <summary>A protocol's name in labels and headers (<c>responses</c>, <c>chat</c>, <c>messages</c>), without allocating.</summary>
    public static string ProtocolText(Protocol protocol) => protocol switch
    {
        Protocol.Responses => "responses",
        Protocol.Chat => "chat",
        Protocol.Messages => "messages",
        _ => "unknown",
    };

    private static string StatusText(int status) => status switch
    {
        200 => "200",
        400 => "400",
        401 => "401",
        403 => "403",
        404 => "404",
        413 => "413",
        429 => "429",
        499 => "499",
        500 => "500",
        502 => "502",
        503 => "503",
        504 => "504",
        _ => status.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}
