using System.Buffers;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using GenAiRouter.Catalog.Routing;
using GenAiRouter.Contracts.V1;
using GenAiRouter.Hosting;
using GenAiRouter.Ingress.Caching;
using Google.Protobuf;
using Grpc.Core;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;

namespace GenAiRouter.Ingress;

/// <summary>
/// <c>POST /v1/responses</c>: authenticate, read and classify the request, pick the targets of its group that can
/// serve it, and relay the first one that answers, byte for byte as it arrives. Fails over to the next target on
/// connect errors, timeouts, 429 and 5xx, but only before the first byte reached the caller.
/// </summary>
public sealed partial class ResponsesEndpoint(
    CallerAuthenticator authenticator,
    CatalogSnapshots catalog,
    UpstreamClients clients,
    TargetHealth health,
    Contracts.V1.Bridge.BridgeClient bridge,
    UsageRecorder usage,
    ResponseCache cache,
    TimeProvider time,
    ILogger<ResponsesEndpoint> logger)
{
    private const int CopyBufferSize = 16 * 1024;
    private const int MaxErrorBodyBytes = 64 * 1024;
    private const int MaxWholeInitialBytes = 1024 * 1024;
    private const string CacheHeader = "x-router-cache";

    public async Task HandleAsync(HttpContext http)
    {
        var started = Stopwatch.GetTimestamp();
        var requestId = "req_" + Guid.NewGuid().ToString("N");
        http.Response.Headers["x-request-id"] = requestId;
        http.Response.Headers[CacheHeader] = "bypass";

        var auth = await authenticator.AuthenticateAsync(http.Request, http.RequestAborted);
        if (auth.Caller is not { } caller)
        {
            await OpenAiErrors.Unauthenticated(auth.Failure).ExecuteAsync(http);
            return;
        }
        var record = RequestRecord.Start(http, started);
        try
        {
            await ServeAsync(http, requestId, caller, record, started);
        }
        finally
        {
            // One usage event per authenticated request, whatever happened; 499 when the caller went away.
            var status = http.RequestAborted.IsCancellationRequested && !record.Delivered ? 499 : http.Response.StatusCode;
            usage.Record(UsageMeter.Build(requestId, caller, record, status, time.GetUtcNow()));
        }
    }

    private async Task ServeAsync(HttpContext http, string requestId, Caller caller, RequestRecord record, long started)
    {
        if (catalog.Current is not { } snapshot)
        {
            await OpenAiErrors.Error(503, "The router has no model catalog yet; retry shortly.", "server_error", "catalog_unavailable").ExecuteAsync(http);
            return;
        }
        var body = await ReadBodyAsync(http, snapshot.Limits.MaxBodyBytes);
        if (body is null)
        {
            await OpenAiErrors.Error(413, $"The request body is larger than this router accepts ({snapshot.Limits.MaxBodyBytes / (1024 * 1024)} MiB).",
                "invalid_request_error", "request_too_large").ExecuteAsync(http);
            return;
        }
        var (request, group, targets, refusal) = Route(caller, snapshot, body);
        if (request is not null)
        {
            (record.Group, record.Stream, record.ImageCount) = (request.Group, request.Shape.Stream, request.Shape.ImageCount);
        }
        if (refusal is not null)
        {
            await refusal.ExecuteAsync(http);
            return;
        }

        var decision = ResponseCachePolicy.Decide(group!, request!, body, caller.Project, caller.Env);
        if (decision.Key is { } key)
        {
            switch (await ServeFromCacheAsync(http, key, caller, record, request!.Shape.Stream))
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
        await RelayAsync(http, requestId, request!, targets!, body, snapshot.Limits, started);

        if (decision.Key is not null && record.FinalResponse is { } final && http.Response.StatusCode == 200
            && final.Length <= decision.MaxEntryBytes && ResponseCachePolicy.IsComplete(final))
        {
            // The caller has the whole answer first; storing it is not its wait.
            record.Delivered = true;
            await http.Response.CompleteAsync();
            await cache.SaveAsync(decision.Key, caller.Project, caller.Env, final, decision.TimeToLive);
        }
    }

    /// <summary>
    /// A hit is answered here (JSON, or replayed as SSE for a streaming caller). A miss asks the relay to keep the
    /// final response for the cache.
    /// </summary>
    private async Task<CacheLookup> ServeFromCacheAsync(HttpContext http, string key, Caller caller, RequestRecord record, bool stream)
    {
        var (result, cached) = await cache.LookupAsync(key, caller.Project, caller.Env, http.RequestAborted);
        switch (result)
        {
            case CacheLookup.Hit:
                cache.Count("hit");
                http.Response.Headers[CacheHeader] = "hit";
                record.ServedFromCache();
                http.Response.ContentType = stream ? "text/event-stream" : "application/json";
                await http.Response.Body.WriteAsync(stream ? CachedResponseReplay.ToSse(cached) : cached!, http.RequestAborted);
                break;
            case CacheLookup.Miss:
                cache.Count("miss");
                http.Response.Headers[CacheHeader] = "miss";
                record.CaptureFinalResponse = true;
                break;
        }
        return result;
    }

    /// <summary>The routing decision, or the OpenAI-shaped refusal the caller gets instead.</summary>
    private (ClassifiedRequest? Request, Group? Group, IReadOnlyList<Target>? Targets, IResult? Error) Route(Caller caller, CatalogSnapshot snapshot, byte[] body)
    {
        var (request, problem, param) = RequestClassifier.Classify(body);
        if (request is null)
        {
            return (null, null, null, OpenAiErrors.Error(400, problem!, "invalid_request_error", "invalid_request", param));
        }
        var group = snapshot.Groups.FirstOrDefault(g => g.Name == request.Group);
        if (group is null)
        {
            return (request, null, null, OpenAiErrors.Error(404, $"The model group '{request.Group}' does not exist. GET /v1/models lists the groups you may use.",
                "invalid_request_error", "model_not_found", "model"));
        }
        var grant = caller.Grants.FirstOrDefault(g => g.Group == group.Name);
        if (grant is null)
        {
            return (request, group, null, OpenAiErrors.Error(403, $"Your caller token may not use the model group '{group.Name}'. GET /v1/models lists the groups you may use.",
                "permission_error", "model_not_allowed", "model"));
        }
        if (request.Shape.ReasoningEffort is { } effort)
        {
            if (!grant.Reasoning)
            {
                return (request, group, null, OpenAiErrors.Error(403, $"Your caller token is not granted reasoning levels in the model group '{group.Name}'; leave out reasoning.effort.",
                    "permission_error", "reasoning_not_allowed", "reasoning.effort"));
            }
            if (group.Reasoning is not { } levels || !levels.Levels.Contains(effort))
            {
                return (request, group, null, OpenAiErrors.Error(400,
                    $"The model group '{group.Name}' offers reasoning effort {(group.Reasoning is null ? "at no level" : string.Join(", ", group.Reasoning.Levels))}, not '{effort}'.",
                    "invalid_request_error", "unsupported_value", "reasoning.effort"));
            }
        }
        var gating = TargetGating.Gate(group, request.Shape, snapshot.BridgeEnabled);
        if (!gating.Served)
        {
            return (request, group, null, OpenAiErrors.Error(400,
                $"No target in the model group '{group.Name}' can serve this request: none has {string.Join(" + ", gating.Missing)}.",
                "invalid_request_error", "unsupported_request_shape", "model"));
        }
        return (request, group, health.Order(gating.Eligible), null);
    }

    private async Task RelayAsync(HttpContext http, string requestId, ClassifiedRequest request, IReadOnlyList<Target> targets, byte[] body, Limits limits, long started)
    {
        Failure? last = null;
        foreach (var target in targets)
        {
            var attempt = target.Api == TargetApi.Chat
                ? await TryBridgedTargetAsync(http, requestId, target, request, body, limits)
                : await TryTargetAsync(http, target, request, body, limits);
            if (attempt is null)
            {
                health.Succeeded(target);
                var reported = http.Items[nameof(UpstreamUsage)] as UpstreamUsage;
                RequestRecord.Of(http)!.Usage = reported;
                var elapsedMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                RequestCompleted(logger, requestId, request.Group, target.Name, http.Response.StatusCode, elapsedMs, reported?.InputTokens ?? 0, reported?.OutputTokens ?? 0);
                return;
            }
            if (attempt.Kind == FailureKind.ClientGone)
            {
                return;
            }
            health.Failed(target);
            UpstreamFailed(logger, requestId, request.Group, target.Name, attempt.Kind, attempt.Status);
            last = attempt;
        }
        await (last switch
        {
            { Kind: FailureKind.RateLimited } => RateLimited(http, request.Group, last.RetryAfter),
            { Kind: FailureKind.Timeout } => OpenAiErrors.Error(504, $"No target of the model group '{request.Group}' answered in time; retry later.", "server_error", "upstream_timeout"),
            { Kind: FailureKind.NoKey } => OpenAiErrors.Error(502, $"The model group '{request.Group}' is misconfigured: its upstream credentials are missing. Tell your platform team.", "server_error", "upstream_misconfigured"),
            _ => OpenAiErrors.Error(502, $"No target of the model group '{request.Group}' is reachable right now; retry later.", "server_error", "upstream_unavailable"),
        }).ExecuteAsync(http);
    }

    /// <returns>Null when the response was relayed (or answered with a non-retryable upstream error); otherwise why this target failed.</returns>
    private async Task<Failure?> TryTargetAsync(HttpContext http, Target target, ClassifiedRequest request, byte[] body, Limits limits)
    {
        var key = string.IsNullOrEmpty(target.ApiKeyEnv) ? null : Environment.GetEnvironmentVariable(target.ApiKeyEnv);
        if (!string.IsNullOrEmpty(target.ApiKeyEnv) && string.IsNullOrEmpty(key))
        {
            UpstreamKeyMissing(logger, target.Name, target.ApiKeyEnv);
            return new Failure(FailureKind.NoKey);
        }
        using var message = new HttpRequestMessage(HttpMethod.Post, new Uri(target.BaseUrl.TrimEnd('/') + "/responses"))
        {
            Content = new ByteArrayContent(RequestClassifier.WithModel(body, request.ModelValue, target.Model)),
        };
        message.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        if (key is not null)
        {
            message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        HttpResponseMessage response;
        using (var firstByte = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted))
        {
            firstByte.CancelAfter(limits.FirstByteTimeout.ToTimeSpan());
            try
            {
                response = await clients.For(target.BaseUrl, limits.ConnectTimeout.ToTimeSpan()).SendAsync(message, HttpCompletionOption.ResponseHeadersRead, firstByte.Token);
            }
            catch (OperationCanceledException) when (http.RequestAborted.IsCancellationRequested)
            {
                return new Failure(FailureKind.ClientGone);
            }
            catch (OperationCanceledException)
            {
                return new Failure(FailureKind.Timeout);
            }
            catch (HttpRequestException e)
            {
                return new Failure(e.InnerException is TimeoutException ? FailureKind.Timeout : FailureKind.Unreachable);
            }
        }
        using (response)
        {
            var status = (int)response.StatusCode;
            if (status == 429)
            {
                return new Failure(FailureKind.RateLimited, status, response.Headers.RetryAfter?.Delta);
            }
            if (status >= 500 || status is 401 or 403)
            {
                // 401/403: this target refused the router's own credentials; another target may still serve.
                return new Failure(FailureKind.UpstreamError, status);
            }
            RequestRecord.Of(http)?.Committed(target);
            http.Response.Headers["x-router-target"] = target.Name;
            if (!response.IsSuccessStatusCode)
            {
                await RelayUpstreamErrorAsync(http, response, key);
                return null;
            }
            await RelayBodyAsync(http, response, target.Name, limits.IdleTimeout.ToTimeSpan());
            return null;
        }
    }

    /// <summary>A chat target, through the bridge: its first message says whether the target answered.</summary>
    private async Task<Failure?> TryBridgedTargetAsync(HttpContext http, string requestId, Target target, ClassifiedRequest request, byte[] body, Limits limits)
    {
        using var call = bridge.Generate(
            new BridgeRequest { RequestId = requestId, Target = target, ResponsesRequest = ByteString.CopyFrom(body), Limits = limits },
            cancellationToken: http.RequestAborted);
        BridgeEvent first;
        try
        {
            if (!await call.ResponseStream.MoveNext(http.RequestAborted))
            {
                return new Failure(FailureKind.Unreachable);
            }
            first = call.ResponseStream.Current;
        }
        catch (RpcException) when (http.RequestAborted.IsCancellationRequested)
        {
            return new Failure(FailureKind.ClientGone);
        }
        catch (RpcException e)
        {
            BridgeUnavailable(logger, e.StatusCode);
            return new Failure(FailureKind.Unreachable);
        }
        if (first.Failure is { } failure)
        {
            switch (failure.Status)
            {
                case 429:
                    return new Failure(FailureKind.RateLimited, 429, failure.RetryAfterSeconds > 0 ? TimeSpan.FromSeconds(failure.RetryAfterSeconds) : null);
                case 504:
                    return new Failure(FailureKind.Timeout, 504);
                case >= 500:
                    return new Failure(failure.Code == "upstream_misconfigured" ? FailureKind.NoKey : FailureKind.UpstreamError, failure.Status);
                default:
                    // The request itself was refused: another target would refuse it too.
                    RequestRecord.Of(http)?.Committed(target);
                    http.Response.Headers["x-router-target"] = target.Name;
                    await OpenAiErrors.Error(failure.Status, failure.Message, "invalid_request_error", failure.Code).ExecuteAsync(http);
                    return null;
            }
        }

        RequestRecord.Of(http)?.Committed(target);
        http.Response.Headers["x-router-target"] = target.Name;
        http.Response.Headers["x-router-bridge"] = "chat";
        if ((await call.ResponseHeadersAsync).GetValue("x-router-dropped-tools") is { } dropped)
        {
            http.Response.Headers["x-router-dropped-tools"] = dropped;
        }
        await RelayBridgedEventsAsync(http, call.ResponseStream, first.Event, request.Shape.Stream);
        return null;
    }

    private static async Task RelayBridgedEventsAsync(HttpContext http, IAsyncStreamReader<BridgeEvent> events, ResponsesEvent first, bool stream)
    {
        var record = RequestRecord.Of(http)!;
        using var scanner = new SseUsageScanner(record.CaptureFinalResponse);
        var current = first;
        try
        {
            if (stream)
            {
                http.Response.ContentType = "text/event-stream";
                http.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
            }
            while (true)
            {
                if (stream)
                {
                    var frame = SseFrame(current);
                    scanner.Observe(frame);
                    await http.Response.Body.WriteAsync(frame, http.RequestAborted);
                    await http.Response.Body.FlushAsync(http.RequestAborted);
                }
                else if (current.Type is "response.completed" or "response.incomplete" or "response.failed")
                {
                    await WriteFinalResponseAsync(http, current);
                    return;
                }
                if (!await events.MoveNext(http.RequestAborted))
                {
                    break;
                }
                current = events.Current.Event;
            }
            http.Items[nameof(UpstreamUsage)] = scanner.Usage;
            record.FinalResponse = scanner.CompletedResponse;
        }
        catch (Exception e) when (e is OperationCanceledException or RpcException && http.RequestAborted.IsCancellationRequested)
        {
            // The caller went away; cancelling the call stops the bridge and its upstream request.
        }
    }

    /// <summary>A non-streamed request gets the terminal event's response object, as a native target would send it.</summary>
    private static async Task WriteFinalResponseAsync(HttpContext http, ResponsesEvent terminal)
    {
        using var document = JsonDocument.Parse(terminal.Json.Memory);
        var response = document.RootElement.GetProperty("response");
        if (terminal.Type == "response.failed")
        {
            var error = response.TryGetProperty("error", out var e) ? e : default;
            var message = error.ValueKind == JsonValueKind.Object && error.TryGetProperty("message", out var m) ? m.GetString() : null;
            var code = error.ValueKind == JsonValueKind.Object && error.TryGetProperty("code", out var c) ? c.GetString() : null;
            await OpenAiErrors.Error(502, message ?? "The chat target failed.", "server_error", code ?? "upstream_error").ExecuteAsync(http);
            return;
        }
        var json = Encoding.UTF8.GetBytes(response.GetRawText());
        http.Items[nameof(UpstreamUsage)] = SseUsageScanner.FromResponse(json);
        if (RequestRecord.Of(http) is { CaptureFinalResponse: true } record)
        {
            record.FinalResponse = json;
        }
        http.Response.ContentType = "application/json";
        await http.Response.Body.WriteAsync(json, http.RequestAborted);
    }

    private static byte[] SseFrame(ResponsesEvent e)
    {
        var type = Encoding.UTF8.GetBytes(e.Type);
        var frame = new byte[7 + type.Length + 7 + e.Json.Length + 2];
        "event: "u8.CopyTo(frame);
        type.CopyTo(frame, 7);
        "\ndata: "u8.CopyTo(frame.AsSpan(7 + type.Length));
        e.Json.Span.CopyTo(frame.AsSpan(14 + type.Length));
        "\n\n"u8.CopyTo(frame.AsSpan(14 + type.Length + e.Json.Length));
        return frame;
    }

    private async Task RelayBodyAsync(HttpContext http, HttpResponseMessage response, string target, TimeSpan idleTimeout)
    {
        http.Response.StatusCode = (int)response.StatusCode;
        http.Response.ContentType = response.Content.Headers.ContentType?.ToString() ?? "application/json";
        var isStream = response.Content.Headers.ContentType?.MediaType == "text/event-stream";
        if (isStream)
        {
            http.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        }
        else
        {
            // A JSON answer goes out whole, framed by its length: no chunked encoding, no flush per read.
            http.Response.ContentLength = response.Content.Headers.ContentLength;
        }
        var record = RequestRecord.Of(http)!;
        // A stream is scanned as it passes; a JSON answer is kept whole (sized by its length) and read once at the end.
        using var scanner = isStream ? new SseUsageScanner(record.CaptureFinalResponse) : null;
        var whole = isStream ? null : new ArrayBufferWriter<byte>((int)Math.Clamp(response.Content.Headers.ContentLength ?? 1024, 1, MaxWholeInitialBytes));
        var buffer = ArrayPool<byte>.Shared.Rent(CopyBufferSize);
        try
        {
            await using var upstream = await response.Content.ReadAsStreamAsync(http.RequestAborted);
            using var idle = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted);
            while (true)
            {
                idle.CancelAfter(idleTimeout);
                int read;
                try
                {
                    read = await upstream.ReadAsync(buffer, idle.Token);
                }
                catch (Exception e) when (e is OperationCanceledException or HttpRequestException or IOException && !http.RequestAborted.IsCancellationRequested)
                {
                    // Mid-response trouble: the status is sent, so say so in the stream's own terms, or cut the body.
                    UpstreamBroke(logger, target, e.GetType().Name, e.Message);
                    if (isStream)
                    {
                        await http.Response.Body.WriteAsync(StreamError(e is OperationCanceledException ? "upstream_timeout" : "upstream_disconnected"), http.RequestAborted);
                    }
                    else
                    {
                        http.Abort();
                    }
                    return;
                }
                if (read == 0)
                {
                    break;
                }
                var chunk = buffer.AsMemory(0, read);
                if (isStream)
                {
                    scanner!.Observe(chunk.Span);
                }
                else
                {
                    whole!.Write(chunk.Span);
                }
                await http.Response.Body.WriteAsync(chunk, http.RequestAborted);
                if (isStream)
                {
                    await http.Response.Body.FlushAsync(http.RequestAborted);
                }
            }
            http.Items[nameof(UpstreamUsage)] = isStream ? scanner!.Usage : SseUsageScanner.FromResponse(whole!.WrittenSpan);
            if (record.CaptureFinalResponse)
            {
                record.FinalResponse = isStream ? scanner!.CompletedResponse : whole!.WrittenSpan.ToArray();
            }
        }
        catch (OperationCanceledException) when (http.RequestAborted.IsCancellationRequested)
        {
            // The caller went away; disposing the upstream response above cancels the upstream call.
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>An upstream 4xx is the caller's to see, minus anything that could reveal the router's credentials.</summary>
    private static async Task RelayUpstreamErrorAsync(HttpContext http, HttpResponseMessage response, string? key)
    {
        var bytes = await response.Content.ReadAsByteArrayAsync(http.RequestAborted);
        var text = Encoding.UTF8.GetString(bytes, 0, Math.Min(bytes.Length, MaxErrorBodyBytes));
        if (!string.IsNullOrEmpty(key))
        {
            text = text.Replace(key, "[redacted]", StringComparison.Ordinal);
        }
        http.Response.StatusCode = (int)response.StatusCode;
        http.Response.ContentType = "application/json";
        await http.Response.WriteAsync(text, http.RequestAborted);
    }

    private static IResult RateLimited(HttpContext http, string group, TimeSpan? retryAfter)
    {
        if (retryAfter is { } delay)
        {
            http.Response.Headers.RetryAfter = ((int)Math.Ceiling(delay.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        return OpenAiErrors.Error(429, $"Every target of the model group '{group}' is rate limited right now; retry {(retryAfter is null ? "shortly" : $"after {Math.Ceiling(retryAfter.Value.TotalSeconds)} s")}.",
            "rate_limit_error", "rate_limit_exceeded");
    }

    private static byte[] StreamError(string code) =>
        Encoding.UTF8.GetBytes($"event: error\ndata: {{\"type\":\"error\",\"code\":\"{code}\",\"message\":\"The upstream stopped answering mid-response.\",\"param\":null}}\n\n");

    /// <returns>The body, or null when it exceeds <paramref name="maxBytes"/>.</returns>
    private static async Task<byte[]?> ReadBodyAsync(HttpContext http, long maxBytes)
    {
        if (http.Request.ContentLength > maxBytes)
        {
            return null;
        }
        using var body = new MemoryStream(http.Request.ContentLength is { } length ? (int)length : 16 * 1024);
        var buffer = ArrayPool<byte>.Shared.Rent(CopyBufferSize);
        try
        {
            int read;
            while ((read = await http.Request.Body.ReadAsync(buffer, http.RequestAborted)) > 0)
            {
                if (body.Length + read > maxBytes)
                {
                    return null;
                }
                body.Write(buffer, 0, read);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        return body.ToArray();
    }

    private enum FailureKind
    {
        Unreachable,
        Timeout,
        RateLimited,
        UpstreamError,
        NoKey,
        ClientGone,
    }

    private sealed record Failure(FailureKind Kind, int Status = 0, TimeSpan? RetryAfter = null);

    [LoggerMessage(Level = LogLevel.Information, Message = "Request {RequestId} for group {Group} answered {Status} by target {Target} in {ElapsedMs:0.0} ms ({InputTokens} in, {OutputTokens} out)")]
    private static partial void RequestCompleted(ILogger logger, string requestId, string group, string target, int status, double elapsedMs, long inputTokens, long outputTokens);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Request {RequestId} for group {Group}: target {Target} failed ({Failure}, status {UpstreamStatus}); trying the next")]
    private static partial void UpstreamFailed(ILogger logger, string requestId, string group, string target, FailureKind failure, int upstreamStatus);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Target {Target} broke off mid-response: {ErrorType}: {Error}")]
    private static partial void UpstreamBroke(ILogger logger, string target, string errorType, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The bridge is not reachable ({StatusCode}); trying the next target")]
    private static partial void BridgeUnavailable(ILogger logger, Grpc.Core.StatusCode statusCode);

    [LoggerMessage(Level = LogLevel.Error, Message = "Target {Target} names upstream key variable {ApiKeyEnv}, which is not set")]
    private static partial void UpstreamKeyMissing(ILogger logger, string target, string apiKeyEnv);
}
