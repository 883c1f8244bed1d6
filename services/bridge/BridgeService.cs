using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using GenAiRouter.Bridge.Translation;
using GenAiRouter.Contracts.V1;
using GenAiRouter.Hosting;
using Grpc.Core;

namespace GenAiRouter.Bridge;

/// <summary>
/// Serves a Responses request from a Chat-Completions-only target: translates the request, calls the target, and
/// streams the answer back as Responses events. Stateless: everything it needs comes with the request. Trouble before
/// the first event is reported as an <see cref="UpstreamFailure"/> so ingress can fail over; after it, as
/// <c>response.failed</c>.
/// </summary>
public sealed partial class BridgeService(UpstreamClients clients, TimeProvider time, ILogger<BridgeService> logger) : Contracts.V1.Bridge.BridgeBase
{
    public const string DroppedToolsHeader = "x-router-dropped-tools";

    public override async Task Generate(BridgeRequest request, IServerStreamWriter<BridgeEvent> responseStream, ServerCallContext context)
    {
        ChatRequest chat;
        string model;
        try
        {
            using var document = JsonDocument.Parse(request.ResponsesRequest.Memory);
            chat = ChatRequestBuilder.Build(document.RootElement, request.Target);
            // The response names the group the caller asked for, as a native target's answer would after routing.
            model = document.RootElement.TryGetProperty("model", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString()! : request.Target.Model;
        }
        catch (Exception e) when (e is BridgeRequestException or JsonException)
        {
            await responseStream.WriteAsync(Failure(400, "invalid_request", e is BridgeRequestException ? e.Message : "The request body is not valid JSON."));
            return;
        }
        if (chat.DroppedTools.Count > 0)
        {
            await context.WriteResponseHeadersAsync(new Metadata { { DroppedToolsHeader, string.Join(",", chat.DroppedTools) } });
        }

        var target = request.Target;
        var limits = request.Limits ?? new Limits();
        var key = string.IsNullOrEmpty(target.ApiKeyEnv) ? null : Environment.GetEnvironmentVariable(target.ApiKeyEnv);
        if (!string.IsNullOrEmpty(target.ApiKeyEnv) && string.IsNullOrEmpty(key))
        {
            UpstreamKeyMissing(logger, target.Name, target.ApiKeyEnv);
            await responseStream.WriteAsync(Failure(502, "upstream_misconfigured", $"The target '{target.Name}' has no upstream credentials configured."));
            return;
        }
        using var message = new HttpRequestMessage(HttpMethod.Post, new Uri(target.BaseUrl.TrimEnd('/') + "/chat/completions"))
        {
            Content = new ByteArrayContent(chat.Json),
        };
        message.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        if (key is not null)
        {
            message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        HttpResponseMessage response;
        using (var firstByte = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken))
        {
            firstByte.CancelAfter(Positive(limits.FirstByteTimeout, TimeSpan.FromSeconds(120)));
            try
            {
                response = await clients.For(target.BaseUrl, Positive(limits.ConnectTimeout, TimeSpan.FromSeconds(5)))
                    .SendAsync(message, HttpCompletionOption.ResponseHeadersRead, firstByte.Token);
            }
            catch (OperationCanceledException) when (context.CancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (OperationCanceledException)
            {
                await responseStream.WriteAsync(Failure(504, "upstream_timeout", $"The target '{target.Name}' did not answer in time."));
                return;
            }
            catch (HttpRequestException)
            {
                await responseStream.WriteAsync(Failure(502, "upstream_unavailable", $"The target '{target.Name}' is not reachable."));
                return;
            }
        }

        using (response)
        {
            if (await RefusalAsync(response, target, key, context.CancellationToken) is { } refusal)
            {
                await responseStream.WriteAsync(refusal);
                return;
            }
            var writer = new ResponsesStreamWriter($"resp_{request.RequestId}", model, time.GetUtcNow().ToUnixTimeSeconds(), chat.ToolNames);
            await WriteAllAsync(responseStream, writer.Start());
            try
            {
                if (chat.Stream)
                {
                    await RelayStreamAsync(response, writer, responseStream, Positive(limits.IdleTimeout, TimeSpan.FromSeconds(300)), context.CancellationToken);
                }
                else
                {
                    var body = await response.Content.ReadAsByteArrayAsync(context.CancellationToken);
                    await WriteAllAsync(responseStream, Parse(body) is { } completion
                        ? writer.OnCompletion(completion)
                        : writer.Fail("upstream_invalid_response", "The chat upstream's answer is not a chat completion."));
                }
            }
            catch (Exception e) when (e is HttpRequestException or IOException || (e is OperationCanceledException && !context.CancellationToken.IsCancellationRequested))
            {
                UpstreamBroke(logger, target.Name, e.GetType().Name);
                await WriteAllAsync(responseStream, writer.Fail(e is OperationCanceledException ? "upstream_timeout" : "upstream_disconnected",
                    "The chat upstream stopped answering mid-response."));
            }
        }
    }

    private static async Task RelayStreamAsync(HttpResponseMessage response, ResponsesStreamWriter writer, IServerStreamWriter<BridgeEvent> stream, TimeSpan idleTimeout, CancellationToken cancellationToken)
    {
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        using var reader = new StreamReader(body, Encoding.UTF8);
        using var idle = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        while (!writer.Ended)
        {
            idle.CancelAfter(idleTimeout);
            var line = await reader.ReadLineAsync(idle.Token);
            if (line is null)
            {
                await WriteAllAsync(stream, writer.Finish(sawDone: false));
                return;
            }
            if (!line.StartsWith("data:", StringComparison.Ordinal))
            {
                continue;
            }
            var data = line.AsSpan(5).Trim();
            if (data.SequenceEqual("[DONE]"))
            {
                await WriteAllAsync(stream, writer.Finish(sawDone: true));
                return;
            }
            await WriteAllAsync(stream, Parse(Encoding.UTF8.GetBytes(data.ToString())) is { } chunk
                ? writer.OnChunk(chunk)
                : writer.Fail("upstream_invalid_response", "The chat upstream sent something that is not a chat completion chunk."));
        }
    }

    /// <summary>A non-success answer from the chat upstream, as the failure ingress should act on (or relay).</summary>
    private static async Task<BridgeEvent?> RefusalAsync(HttpResponseMessage response, Target target, string? key, CancellationToken cancellationToken)
    {
        var status = (int)response.StatusCode;
        if (response.IsSuccessStatusCode)
        {
            var mediaType = response.Content.Headers.ContentType?.MediaType;
            return mediaType is null or "application/json" or "text/event-stream"
                ? null
                : Failure(502, "upstream_invalid_response", $"The target '{target.Name}' answered with {mediaType}, not a chat completion.");
        }
        if (status == 429)
        {
            var failure = Failure(429, "rate_limit_exceeded", $"The target '{target.Name}' is rate limited.");
            failure.Failure.RetryAfterSeconds = (int)(response.Headers.RetryAfter?.Delta?.TotalSeconds ?? 0);
            return failure;
        }
        if (status >= 500 || status is 401 or 403)
        {
            return Failure(502, "upstream_unavailable", $"The target '{target.Name}' failed (HTTP {status}).");
        }
        // The caller's request was refused as such (400, 404, 422...): say what the upstream said, minus our key.
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        var detail = Parse(Encoding.UTF8.GetBytes(text)) is { } error && error.TryGetProperty("error", out var e)
            && e.ValueKind == JsonValueKind.Object && e.TryGetProperty("message", out var msg) && msg.ValueKind == JsonValueKind.String
            ? msg.GetString()!
            : $"The target refused the request (HTTP {status}).";
        if (!string.IsNullOrEmpty(key))
        {
            detail = detail.Replace(key, "[redacted]", StringComparison.Ordinal);
        }
        return Failure(status, "upstream_rejected", detail);
    }

    private static JsonElement? Parse(byte[] json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            return document.RootElement.ValueKind == JsonValueKind.Object ? document.RootElement.Clone() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static async Task WriteAllAsync(IServerStreamWriter<BridgeEvent> stream, IEnumerable<ResponsesEvent> events)
    {
        foreach (var e in events)
        {
            await stream.WriteAsync(new BridgeEvent { Event = e });
        }
    }

    private static BridgeEvent Failure(int status, string code, string message) =>
        new() { Failure = new UpstreamFailure { Status = status, Code = code, Message = message } };

    private static TimeSpan Positive(Google.Protobuf.WellKnownTypes.Duration? duration, TimeSpan fallback) =>
        duration?.ToTimeSpan() is { } value && value > TimeSpan.Zero ? value : fallback;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Chat target {Target} broke off mid-response ({ErrorType})")]
    private static partial void UpstreamBroke(ILogger logger, string target, string errorType);

    [LoggerMessage(Level = LogLevel.Error, Message = "Target {Target} names upstream key variable {ApiKeyEnv}, which is not set")]
    private static partial void UpstreamKeyMissing(ILogger logger, string target, string apiKeyEnv);
}
