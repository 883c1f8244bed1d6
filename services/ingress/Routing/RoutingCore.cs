using System.Diagnostics;
using GenAiRouter.Contracts.V1;
using GenAiRouter.Ingress.Auth;
using GenAiRouter.Ingress.Caching;
using GenAiRouter.Ingress.Doors;
using GenAiRouter.Ingress.Doors.Messages;
using GenAiRouter.Ingress.Invocation;
using GenAiRouter.Ingress.Telemetry;
using GenAiRouter.Routing;
using GenAiRouter.Upstream;

namespace GenAiRouter.Ingress.Routing;

/// <summary>
/// What every door shares: authenticate the caller token, read the body within the limit, let the door read the
/// request, resolve the group and the caller's grants, gate the group's targets by the request's shape, answer from
/// the cache where allowed, then try the eligible targets in order (natively or through the bridge), failing over
/// only while nothing has reached the caller. One usage event and one log line per authenticated request.
/// </summary>
public sealed partial class RoutingCore(
    CallerAuthenticator authenticator,
    CatalogSnapshots catalog,
    TargetHealth health,
    NativeInvoker native,
    BridgeInvoker bridged,
    ResponseRelay relay,
    ResponseCache cache,
    UsageRecorder usage,
    ModelCatalog models,
    RouterMetrics metrics,
    Quotas.QuotaGate quotas,
    TimeProvider time,
    ILogger<RoutingCore> logger)
{
    private const string CacheHeader = "x-router-cache";

    public async Task HandleAsync(HttpContext http, IDoor door)
    {
        var started = Stopwatch.GetTimestamp();
        var requestId = "req_" + Guid.NewGuid().ToString("N");
        http.Response.Headers["x-request-id"] = requestId;
        http.Response.Headers[CacheHeader] = "bypass";
        var record = new RequestRecord(requestId, started, door);
        http.Response.OnStarting(WriteServerTiming, (http, record));
        if (await AdmitAsync(http, door) is not { } caller)
        {
            return;
        }
        if (catalog.Current is { } current)
        {
            // Codex fetches its model catalog again when this differs from the ETag it has.
            http.Response.Headers["x-models-etag"] = models.For(caller, current).ETag;
        }
        using var left = http.RequestAborted.UnsafeRegister(RequestRecord.MarkCallerLeft, record);
        try
        {
            await ServeAsync(http, door, caller, record);
        }
        catch (OperationCanceledException) when (http.RequestAborted.IsCancellationRequested)
        {
            // The caller went away mid-request; nothing is left to answer.
        }
        finally
        {
            // One usage event per authenticated request, whatever happened; 499 when the caller went away.
            var status = record.CallerLeft ? 499 : http.Response.StatusCode;
            var usageEvent = UsageMeter.Build(caller, record, status, time.GetUtcNow());
            usage.Record(usageEvent);
            metrics.Completed(usageEvent, record);
            if (record.Quota is { } quota)
            {
                await quota.SettleAsync(usageEvent.InputTokens + usageEvent.OutputTokens, usageEvent.TextCost + usageEvent.ImageCost);
            }
            if (record.Target is { } target)
            {
                RequestCompleted(logger, requestId, record.Group, target.Name, status, record.LatencyMs, record.Usage?.InputTokens ?? 0, record.Usage?.OutputTokens ?? 0);
            }
        }
    }

    /// <summary>
    /// <c>Server-Timing</c> as the answer's head goes out: the router's own time so far (total minus the time spent
    /// waiting on targets for their first byte, failed attempts included) and that wait, so a caller sees in curl or a
    /// browser what the router added.
    /// </summary>
    private static Task WriteServerTiming(object state)
    {
        var (http, record) = ((HttpContext, RequestRecord))state;
        var total = Stopwatch.GetElapsedTime(record.StartedAt).TotalMilliseconds;
        http.Response.Headers["Server-Timing"] = record.UpstreamWaitMs is { } upstream
            ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"router;dur={Math.Max(0, total - upstream):0.0};desc=\"router\", upstream;dur={upstream:0.0};desc=\"upstream to first byte\"")
            : string.Create(System.Globalization.CultureInfo.InvariantCulture, $"router;dur={total:0.0};desc=\"router\"");
        return Task.CompletedTask;
    }

    /// <summary>
    /// <c>POST /v1/messages/count_tokens</c>: the same caller token, group, grants and gating as a Messages request, then
    /// the count from the first eligible Messages target's own endpoint, or, where the group's target has none, the
    /// router's estimate (<c>x-router-token-count: estimated</c>). Counting generates nothing, so it is not metered.
    /// </summary>
    public async Task CountTokensAsync(HttpContext http, MessagesDoor door)
    {
        http.Response.Headers["x-request-id"] = "req_" + Guid.NewGuid().ToString("N");
        if (await AdmitAsync(http, door) is not { } caller
            || await ReadRequestAsync(http, door, body => MessagesRequestClassifier.Classify(body, counting: true)) is not ({ } snapshot, { } body, { } request))
        {
            return;
        }
        var (_, targets, refusal) = Route(http, door, caller, snapshot, request);
        if (refusal is not null)
        {
            await door.WriteErrorAsync(http, refusal);
            return;
        }
        foreach (var target in targets!.Where(t => t.Api == Protocol.Messages))
        {
            var (answer, failure) = await native.SendAsync(target, request, body!, snapshot.Limits, door.NativeHeaders(http.Request), http.RequestAborted, "/messages/count_tokens");
            if (failure is not null)
            {
                health.Failed(target);
                continue;
            }
            await using (answer)
            {
                var (json, broken) = await UpstreamBody.ReadJsonAsync(answer!.Body, answer.ContentLength, snapshot.Limits.IdleTimeout?.ToTimeSpan() ?? TimeSpan.FromMinutes(5),
                    snapshot.Limits.MaxResponseBytes > 0 ? snapshot.Limits.MaxResponseBytes : 64L << 20, http.RequestAborted);
                if (broken is not null)
                {
                    health.Failed(target);
                    continue;
                }
                http.Response.StatusCode = answer.Status;
                http.Response.ContentType = "application/json";
                http.Response.Headers["x-router-target"] = target.Name;
                var text = UpstreamBody.Redact(System.Text.Encoding.UTF8.GetString(json!), answer.Key);
                await http.Response.WriteAsync(text, http.RequestAborted);
                return;
            }
        }
        var estimate = Protocols.Canonical.TokenEstimate.Of(Protocols.Messages.MessagesRequestReader.Read(System.Text.Json.JsonDocument.Parse(body).RootElement));
        http.Response.Headers["x-router-token-count"] = "estimated";
        await http.Response.WriteAsJsonAsync(new { input_tokens = estimate }, http.RequestAborted);
    }

    /// <summary>The caller presenting a valid caller token, or null once the refusal is written (a request head too large, no valid token).</summary>
    private async Task<Caller?> AdmitAsync(HttpContext http, IDoor door)
    {
        if (RequestHeaders.Check(http.Request) is { } oversized)
        {
            http.Response.Headers.Connection = "close";
            await door.WriteErrorAsync(http, oversized);
            return null;
        }
        var auth = await authenticator.AuthenticateAsync(door.CallerToken(http.Request), http.RequestAborted);
        if (auth.Caller is null)
        {
            await door.WriteErrorAsync(http, RouterError.Unauthenticated(auth.Failure));
        }
        return auth.Caller;
    }

    /// <summary>The catalog, the body within its limit and what <paramref name="read"/> makes of it; nulls once the refusal is written.</summary>
    private async Task<(CatalogSnapshot? Snapshot, byte[]? Body, DoorRequest? Request)> ReadRequestAsync(HttpContext http, IDoor door, JsonScan.Classifier read)
    {
        if (catalog.Current is not { } snapshot)
        {
            await door.WriteErrorAsync(http, RouterError.CatalogUnavailable);
            return default;
        }
        var (body, bodyError) = await RequestBody.ReadAsync(http, snapshot.Limits.MaxBodyBytes);
        if (bodyError is not null)
        {
            await door.WriteErrorAsync(http, bodyError);
            return default;
        }
        try
        {
            return (snapshot, body, read(body));
        }
        catch (BadRequestBodyException e)
        {
            await door.WriteErrorAsync(http, RouterError.Invalid(e.Message, e.Param, e.Code));
            return default;
        }
    }

    private async Task ServeAsync(HttpContext http, IDoor door, Caller caller, RequestRecord record)
    {
        if (await ReadRequestAsync(http, door, door.Read) is not ({ } snapshot, { } body, { } request))
        {
            return;
        }
        (record.Group, record.Stream, record.ImageCount) = (request.Group, request.Shape.Stream, request.Shape.ImageCount);
        var (group, targets, refusal) = Route(http, door, caller, snapshot, request);
        record.GroupFound = group is not null;
        if (refusal is not null)
        {
            await door.WriteErrorAsync(http, refusal);
            return;
        }
        (record.Quota, refusal) = await quotas.AdmitAsync(http, door, caller, group!, snapshot, record.RequestId, body!.Length, targets!);
        if (refusal is not null)
        {
            await door.WriteErrorAsync(http, refusal);
            return;
        }

        var decision = ResponseCachePolicy.Decide(group!, door, request, body!, caller.Project, caller.Env);
        if (decision.Key is { } key)
        {
            switch (await ServeFromCacheAsync(http, key, caller, record, request))
            {
                case CacheLookup.Hit:
                    return;
                case CacheLookup.Unavailable:
                    decision = CacheDecision.Bypass("store_unavailable");
                    break;
            }
        }
        if (decision.BypassReason is { } reason)
        {
            cache.Count("bypass", reason);
        }
        await TryTargetsAsync(http, door, request, targets!, body!, snapshot, record);

        if (decision.Key is not null && record.FinalAnswer is { } final && http.Response.StatusCode == 200
            && final.Length <= decision.MaxEntryBytes && door.IsComplete(final))
        {
            // The caller has the whole answer first; storing it is not its wait.
            await http.Response.CompleteAsync();
            await cache.SaveAsync(decision.Key, caller.Project, caller.Env, final, decision.TimeToLive);
        }
    }

    /// <summary>The eligible targets in the order to try them, or the refusal the caller gets instead.</summary>
    private (Group? Group, IReadOnlyList<Target>? Targets, RouterError? Refusal) Route(HttpContext http, IDoor door, Caller caller, CatalogSnapshot snapshot, DoorRequest request)
    {
        var group = snapshot.Groups.FirstOrDefault(g => g.Name == request.Group);
        if (group is null)
        {
            return (null, null, RouterError.NoSuchGroup(request.Group));
        }
        var grant = caller.Grants.FirstOrDefault(g => g.Group == group.Name);
        if (grant is null)
        {
            return (group, null, RouterError.GroupNotAllowed(group.Name));
        }
        if (request.Shape.ReasoningEffort is { } effort)
        {
            if (!grant.Reasoning)
            {
                return (group, null, new RouterError(403, "permission_error", "reasoning_not_allowed",
                    $"Your caller token is not granted reasoning levels in the model group '{group.Name}'; leave out {door.ReasoningParam}.", door.ReasoningParam));
            }
            if (group.Reasoning is not { } levels || !levels.Levels.Contains(effort))
            {
                return (group, null, RouterError.Invalid(
                    $"The model group '{group.Name}' offers reasoning effort {(group.Reasoning is null ? "at no level" : string.Join(", ", group.Reasoning.Levels))}, not '{effort}'.",
                    door.ReasoningParam, "unsupported_value"));
            }
        }
        var gating = TargetGating.Gate(group, request.Shape, door.Protocol, snapshot.BridgeEnabled);
        return gating.Served
            ? (group, health.Order(gating.Eligible, request.SessionKey ?? SessionHeader(http.Request)), null)
            : (group, null, RouterError.NoTargetServes(group.Name, gating.Missing));
    }

    // Where clients name their session when the body does not (prompt_cache_key): Codex, opencode, Kilo, Claude Code.
    private static readonly string[] SessionHeaders = ["session-id", "x-session-id", "x-session-affinity", "x-claude-code-session-id"];

    private static string? SessionHeader(HttpRequest request)
    {
        foreach (var name in SessionHeaders)
        {
            if (request.Headers[name] is [{ Length: > 0 and <= 512 } session])
            {
                return session;
            }
        }
        return null;
    }

    /// <summary>A hit is answered here (whole, or replayed as the door's stream). A miss asks the relay to keep the final answer.</summary>
    private async Task<CacheLookup> ServeFromCacheAsync(HttpContext http, string key, Caller caller, RequestRecord record, DoorRequest request)
    {
        var (result, cached) = await cache.LookupAsync(key, caller.Project, caller.Env, http.RequestAborted);
        var door = record.Door;
        switch (result)
        {
            case CacheLookup.Hit:
                cache.Count("hit");
                http.Response.Headers[CacheHeader] = "hit";
                record.ServedFromCache();
                http.Response.ContentType = record.Stream ? "text/event-stream" : "application/json";
                await http.Response.Body.WriteAsync(record.Stream ? door.ReplayAsStream(cached, request) : cached!, http.RequestAborted);
                record.Delivered = true;
                break;
            case CacheLookup.Miss:
                cache.Count("miss");
                http.Response.Headers[CacheHeader] = "miss";
                record.CaptureFinalAnswer = true;
                break;
        }
        return result;
    }

    private async Task TryTargetsAsync(HttpContext http, IDoor door, DoorRequest request, IReadOnlyList<Target> targets, byte[] body, CatalogSnapshot snapshot, RequestRecord record)
    {
        UpstreamFailure? last = null;
        var headers = door.NativeHeaders(http.Request);
        foreach (var target in targets)
        {
            using var call = RouterMetrics.StartUpstreamCall(request.Group, target, door.Protocol);
            var sent = Stopwatch.GetTimestamp();
            var (answer, failure) = target.Api == door.Protocol
                ? await native.SendAsync(target, request, body, snapshot.Limits, headers, http.RequestAborted)
                : await bridged.SendAsync(record.RequestId, door, request, target, snapshot.Version, body, snapshot.Limits, http.RequestAborted);
            record.UpstreamWaitMs = (record.UpstreamWaitMs ?? 0) + Stopwatch.GetElapsedTime(sent).TotalMilliseconds;
            if (failure is { Kind: FailureKind.Refused })
            {
                // The request itself was refused: another target would refuse it too.
                record.Committed(target);
                http.Response.Headers["x-router-target"] = target.Name;
                await door.WriteErrorAsync(http, RouterError.Refused(failure));
                return;
            }
            if (failure is null)
            {
                await using (answer)
                {
                    (var outcome, failure) = await relay.RelayAsync(http, record, request, target, answer!, snapshot.Limits);
                    if (call is not null && record.Usage is { } used)
                    {
                        call.SetTag("gen_ai.usage.input_tokens", used.InputTokens);
                        call.SetTag("gen_ai.usage.output_tokens", used.OutputTokens);
                    }
                    switch (outcome)
                    {
                        case RelayOutcome.Delivered:
                            health.Succeeded(target);
                            return;
                        case RelayOutcome.CallerGone:
                            return;
                        case RelayOutcome.BrokeOff:
                            health.Failed(target);
                            return;
                    }
                }
            }
            health.Failed(target);
            UpstreamFailed(logger, record.RequestId, request.Group, target.Name, failure!.Kind, failure.Message);
            metrics.FailedOver(request.Group, target, failure.Kind);
            call?.SetStatus(ActivityStatusCode.Error, failure.Kind.ToString());
            last = failure;
        }
        await door.WriteErrorAsync(http, RouterError.AllTargetsFailed(request.Group, last));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Request {RequestId} for group {Group} answered {Status} by target {Target} in {ElapsedMs:0.0} ms ({InputTokens} in, {OutputTokens} out)")]
    private static partial void RequestCompleted(ILogger logger, string requestId, string group, string target, int status, double elapsedMs, long inputTokens, long outputTokens);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Request {RequestId} for group {Group}: target {Target} failed ({Failure}: {Reason}); trying the next")]
    private static partial void UpstreamFailed(ILogger logger, string requestId, string group, string target, FailureKind failure, string reason);
}
