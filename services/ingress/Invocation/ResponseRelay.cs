using System.Buffers;
using System.Text.Json;
using GenAiRouter.Contracts.V1;
using GenAiRouter.Ingress.Doors;
using GenAiRouter.Ingress.Routing;
using GenAiRouter.Ingress.Telemetry;
using GenAiRouter.Upstream;
using Microsoft.AspNetCore.Http.Features;

namespace GenAiRouter.Ingress.Invocation;

public enum RelayOutcome
{
    /// <summary>The answer reached the caller whole.</summary>
    Delivered,
    /// <summary>Nothing reached the caller and the target failed: another target may serve.</summary>
    Failed,
    /// <summary>A stream already under way broke off; it was ended with the door's error event. No failover.</summary>
    BrokeOff,
    /// <summary>The caller went away.</summary>
    CallerGone,
}

/// <summary>
/// Relays a target's answer to the caller, whatever door and target kind. A stream goes out as it arrives, flushed per
/// read, and is watched for usage; if it breaks off, or ends without its terminal event, the caller gets the door's
/// error event. A whole answer is read completely (bounded in time and size) and checked before anything is sent, so a
/// cut or invalid answer can still fail over or become a clean error.
/// </summary>
public sealed partial class ResponseRelay(ILogger<ResponseRelay> logger)
{
    private const int CopyBufferSize = 16 * 1024;

    public async Task<(RelayOutcome Outcome, UpstreamFailure? Failure)> RelayAsync(
        HttpContext http, RequestRecord record, DoorRequest request, Target target, UpstreamAnswer answer, Limits limits)
    {
        try
        {
            if (answer.Status is < 200 or >= 300)
            {
                await RelayRefusalAsync(http, record, target, answer);
                return (RelayOutcome.Delivered, null);
            }
            return record.Stream
                ? await RelayStreamAsync(http, record, request, target, answer, IdleTimeout(limits))
                : await RelayWholeAsync(http, record, request, target, answer, limits);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException && http.RequestAborted.IsCancellationRequested)
        {
            // The caller went away; disposing the answer cancels the upstream call.
            return (RelayOutcome.CallerGone, null);
        }
    }

    private async Task<(RelayOutcome, UpstreamFailure?)> RelayStreamAsync(HttpContext http, RequestRecord record, DoorRequest request, Target target, UpstreamAnswer answer, TimeSpan idleTimeout)
    {
        if (answer.MediaType != "text/event-stream")
        {
            return (RelayOutcome.Failed, Invalid(target, $"it answered a streaming request with {answer.MediaType ?? "no content type"}"));
        }
        Commit(http, record, target, answer, answer.ContentType!);
        http.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        var door = record.Door;
        using var scanner = door.ScanStream(record.CaptureFinalAnswer);
        var rewriter = door.Rewriter(request, target);
        var buffer = ArrayPool<byte>.Shared.Rent(CopyBufferSize);
        try
        {
            using var idle = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted);
            while (true)
            {
                idle.CancelAfter(idleTimeout);
                int read;
                try
                {
                    read = await answer.Body.ReadAsync(buffer, idle.Token);
                }
                catch (Exception e) when (e is OperationCanceledException or HttpRequestException or IOException && !http.RequestAborted.IsCancellationRequested)
                {
                    UpstreamBroke(logger, record.RequestId, target.Name, e.GetType().Name, e.Message);
                    record.Usage = scanner.Usage;
                    await EndStreamAsync(http, door, e is OperationCanceledException
                        ? RouterError.Broken("upstream_timeout", $"The upstream sent nothing for {idleTimeout.TotalSeconds:0} s mid-answer.")
                        : RouterError.Broken("upstream_disconnected", "The upstream stopped answering mid-response."));
                    return (RelayOutcome.BrokeOff, null);
                }
                if (read == 0)
                {
                    if (rewriter is not null)
                    {
                        await ForwardAsync(http, rewriter.Flush());
                    }
                    break;
                }
                // The router reads the answer as the upstream sent it (usage, its end); the caller gets it rewritten.
                var chunk = buffer.AsMemory(0, read);
                scanner.Observe(chunk.Span);
                await ForwardAsync(http, rewriter is null ? chunk : rewriter.Process(chunk));
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        record.Usage = scanner.Usage;
        if (!scanner.Ended)
        {
            UpstreamBroke(logger, record.RequestId, target.Name, "EndOfStream", "the stream ended without its terminal event");
            await EndStreamAsync(http, door, RouterError.Broken("upstream_incomplete", "The upstream's stream ended before its answer was finished."));
            return (RelayOutcome.BrokeOff, null);
        }
        // Kept for the cache as the caller saw it.
        record.FinalAnswer = scanner.FinalAnswer is { } final ? rewriter?.RewriteWhole(final) ?? final : null;
        record.Delivered = true;
        return (RelayOutcome.Delivered, null);
    }

    private static async Task ForwardAsync(HttpContext http, ReadOnlyMemory<byte> chunk)
    {
        if (chunk.IsEmpty)
        {
            return;
        }
        await http.Response.Body.WriteAsync(chunk, http.RequestAborted);
        await http.Response.Body.FlushAsync(http.RequestAborted);
    }

    private static async Task<(RelayOutcome, UpstreamFailure?)> RelayWholeAsync(HttpContext http, RequestRecord record, DoorRequest request, Target target, UpstreamAnswer answer, Limits limits)
    {
        var (json, failure) = await UpstreamBody.ReadJsonAsync(answer.Body, answer.ContentLength, IdleTimeout(limits),
            limits.MaxResponseBytes > 0 ? limits.MaxResponseBytes : 64L * 1024 * 1024, http.RequestAborted);
        if (failure is not null)
        {
            failure.Message = $"The target '{target.Name}': {failure.Message}.";
            return (RelayOutcome.Failed, failure);
        }
        if (record.Door.Rewriter(request, target)?.RewriteWhole(json) is { } rewritten)
        {
            json = rewritten;
        }
        Commit(http, record, target, answer, answer.MediaType is "application/json" ? answer.ContentType! : "application/json");
        // Framed by its length: no chunked encoding, no flush per read.
        http.Response.ContentLength = json!.Length;
        await http.Response.Body.WriteAsync(json, http.RequestAborted);
        record.Usage = record.Door.UsageOf(json);
        if (record.CaptureFinalAnswer)
        {
            record.FinalAnswer = json;
        }
        record.Delivered = true;
        return (RelayOutcome.Delivered, null);
    }

    /// <summary>
    /// An upstream 4xx is about the caller's request, so the caller sees it: as sent when it is an error in the door's
    /// own shape (a native target speaks it), wrapped in that shape otherwise; the router's key never shows.
    /// </summary>
    private static async Task RelayRefusalAsync(HttpContext http, RequestRecord record, Target target, UpstreamAnswer answer)
    {
        using var text = new StreamReader(answer.Body);
        var body = UpstreamBody.Redact(await ReadBoundedAsync(text, http.RequestAborted), answer.Key);
        Commit(http, record, target, answer, "application/json");
        if (IsErrorObject(body))
        {
            http.Response.StatusCode = answer.Status;
            await http.Response.WriteAsync(body, http.RequestAborted);
            return;
        }
        await record.Door.WriteErrorAsync(http, new RouterError(answer.Status, "invalid_request_error", "upstream_rejected",
            $"The target refused the request (HTTP {answer.Status}): {(body.Length > 500 ? body[..500] + "..." : body)}"));
    }

    private static void Commit(HttpContext http, RequestRecord record, Target target, UpstreamAnswer answer, string contentType)
    {
        record.Committed(target);
        var response = http.Response;
        response.StatusCode = answer.Status;
        response.ContentType = contentType;
        response.Headers["x-router-target"] = target.Name;
        foreach (var (name, value) in answer.Headers)
        {
            response.Headers[name] = value;
        }
    }

    private static async Task EndStreamAsync(HttpContext http, IDoor door, RouterError error)
    {
        await http.Response.Body.WriteAsync(door.StreamError(error), http.RequestAborted);
        await http.Response.Body.FlushAsync(http.RequestAborted);
    }

    private static async Task<string> ReadBoundedAsync(StreamReader reader, CancellationToken cancellationToken)
    {
        var buffer = new char[64 * 1024];
        var length = 0;
        int read;
        while (length < buffer.Length && (read = await reader.ReadAsync(buffer.AsMemory(length), cancellationToken)) > 0)
        {
            length += read;
        }
        return new string(buffer, 0, length);
    }

    private static bool IsErrorObject(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("error", out _);
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static UpstreamFailure Invalid(Target target, string why) =>
        UpstreamCaller.Failure(FailureKind.InvalidResponse, 502, "upstream_invalid_response", $"The target '{target.Name}': {why}.");

    private static TimeSpan IdleTimeout(Limits limits) =>
        limits.IdleTimeout?.ToTimeSpan() is { } idle && idle > TimeSpan.Zero ? idle : TimeSpan.FromSeconds(300);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Request {RequestId}: target {Target} broke off mid-answer: {ErrorType}: {Error}")]
    private static partial void UpstreamBroke(ILogger logger, string requestId, string target, string errorType, string error);
}
