using System.Buffers;
using System.Text.Json;
using GenAiRouter.Bridge.Translation;
using GenAiRouter.Contracts.V1;
using GenAiRouter.Routing;
using GenAiRouter.Upstream;
using Google.Protobuf;
using Grpc.Core;

namespace GenAiRouter.Bridge;

/// <summary>
/// Serves a caller's request from a target that speaks another protocol: resolves the target from its own catalog
/// snapshot (the request only names it), translates the request, calls the target, and streams the answer back in
/// the door's protocol as SSE frames or one JSON body, in chunks. Stateless. Trouble before <see cref="BridgeStart"/>
/// is an <see cref="UpstreamFailure"/> (ingress may fail over); after it, a stream ends with its terminal error event.
/// </summary>
public sealed partial class BridgeService(CatalogSnapshots catalog, UpstreamCaller upstream, TimeProvider time, ILogger<BridgeService> logger)
    : Contracts.V1.Bridge.BridgeBase
{
    public const string DroppedToolsHeader = "x-router-dropped-tools";

    /// <summary>How far a chunk may grow before it is sent; well under the 1 MiB each chunk may hold.</summary>
    private const int ChunkBytes = 64 * 1024;
    private const int MaxChunkBytes = 1024 * 1024;
    private static readonly TimeSpan CatalogWait = TimeSpan.FromSeconds(2);

    public override async Task Generate(BridgeRequest request, IServerStreamWriter<BridgeReply> responseStream, ServerCallContext context)
    {
        var cancellation = context.CancellationToken;
        var (target, snapshot) = await catalog.FindAsync(request.Group, request.Target, request.CatalogVersion, CatalogWait, cancellation);
        if (target is null || snapshot is null)
        {
            UnknownTarget(logger, request.Group, request.Target, request.CatalogVersion, snapshot?.Version ?? 0);
            throw new RpcException(new Status(StatusCode.NotFound, $"no target '{request.Target}' in group '{request.Group}' of catalog version {snapshot?.Version ?? 0}"));
        }
        if (request.Door != Protocol.Responses || target.Api != Protocol.Chat)
        {
            throw new RpcException(new Status(StatusCode.Unimplemented, $"the bridge does not translate {request.Door} for {target.Api} targets"));
        }
        var limits = snapshot.Limits;

        ChatRequest chat;
        string model;
        try
        {
            using var document = JsonDocument.Parse(request.Body.Memory);
            chat = ChatRequestBuilder.Build(document.RootElement, target);
            // The answer names the group the caller asked for, as a native target's answer would after routing.
            model = document.RootElement.TryGetProperty("model", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString()! : request.Group;
        }
        catch (Exception e) when (e is BridgeRequestException or JsonException or InvalidOperationException)
        {
            var refused = UpstreamCaller.Failure(FailureKind.Refused, 400, "invalid_request", e is BridgeRequestException ? e.Message : "The request body is not valid JSON.");
            refused.Param = (e as BridgeRequestException)?.Param ?? "";
            await responseStream.WriteAsync(new BridgeReply { Failure = refused }, cancellation);
            return;
        }

        using var call = await upstream.SendAsync(target, new ByteArrayContent(chat.Json), limits, cancellation);
        if (call.Failure is { } failure)
        {
            failure.Message = $"The target '{target.Name}': {failure.Message}.";
            await responseStream.WriteAsync(new BridgeReply { Failure = failure }, cancellation);
            return;
        }
        var response = call.Response!;
        if (!response.IsSuccessStatusCode)
        {
            await responseStream.WriteAsync(new BridgeReply { Failure = await RefusedAsync(response, call.Key, cancellation) }, cancellation);
            return;
        }

        var writer = new ResponsesStreamWriter($"resp_{request.RequestId}", model, time.GetUtcNow().ToUnixTimeSeconds(), chat.ToolNames);
        var start = new BridgeStart { Status = 200, ContentType = chat.Stream ? "text/event-stream" : "application/json" };
        if (chat.DroppedTools.Count > 0)
        {
            start.Headers[DroppedToolsHeader] = string.Join(",", chat.DroppedTools);
        }
        if (chat.Stream)
        {
            if (response.Content.Headers.ContentType?.MediaType != "text/event-stream")
            {
                await responseStream.WriteAsync(new BridgeReply { Failure = Invalid(target, $"it answered a stream request with {response.Content.Headers.ContentType?.MediaType ?? "no content type"}") }, cancellation);
                return;
            }
            await responseStream.WriteAsync(new BridgeReply { Start = start }, cancellation);
            var frames = new SseFrames(responseStream, cancellation);
            await frames.WriteAsync(writer.Start());
            await RelayStreamAsync(response, writer, frames, target, limits, cancellation);
            return;
        }

        await using var body = await response.Content.ReadAsStreamAsync(cancellation);
        var (json, invalid) = await UpstreamBody.ReadJsonAsync(body, response.Content.Headers.ContentLength, IdleTimeout(limits), MaxResponseBytes(limits), cancellation);
        if (invalid is not null || Parse(json!) is not { } completion)
        {
            await responseStream.WriteAsync(new BridgeReply { Failure = invalid is null ? Invalid(target, "its answer is not a chat completion") : Named(target, invalid) }, cancellation);
            return;
        }
        writer.Start();
        _ = writer.OnCompletion(completion).ToList();
        if (writer.Error is { } error)
        {
            await responseStream.WriteAsync(new BridgeReply { Failure = UpstreamCaller.Failure(FailureKind.InvalidResponse, 502, error.Code, $"The target '{target.Name}' failed: {error.Message}") }, cancellation);
            return;
        }
        await responseStream.WriteAsync(new BridgeReply { Start = start }, cancellation);
        await SendChunksAsync(responseStream, writer.ResponseJson(), cancellation);
    }

    /// <summary>Chat chunks in, Responses events out, as they arrive; the upstream's silence, breaks and size are bounded.</summary>
    private async Task RelayStreamAsync(HttpResponseMessage response, ResponsesStreamWriter writer, SseFrames frames, Target target, Limits limits, CancellationToken cancellation)
    {
        var maxBytes = MaxResponseBytes(limits);
        var lines = new SseLines();
        var buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);
        long received = 0;
        try
        {
            await using var body = await response.Content.ReadAsStreamAsync(cancellation);
            using var idle = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
            while (!writer.Ended)
            {
                idle.CancelAfter(IdleTimeout(limits));
                var read = await body.ReadAsync(buffer, idle.Token);
                if (read == 0)
                {
                    await frames.WriteAsync(writer.Finish(sawDone: false));
                    break;
                }
                received += read;
                if (received > maxBytes)
                {
                    await frames.WriteAsync(writer.Fail("upstream_response_too_large", "The chat upstream's answer is larger than this router accepts."));
                    break;
                }
                foreach (var data in lines.Data(buffer.AsSpan(0, read)))
                {
                    frames.Add(data.Span.SequenceEqual("[DONE]"u8)
                        ? writer.Finish(sawDone: true)
                        : UpstreamBody.IsJson(data.Span) && Parse(data.ToArray()) is { } chunk
                            ? writer.OnChunk(chunk)
                            : writer.Fail("upstream_invalid_response", "The chat upstream sent something that is not a chat completion chunk."));
                }
                await frames.FlushAsync();
            }
        }
        catch (Exception e) when (e is HttpRequestException or IOException || (e is OperationCanceledException && !cancellation.IsCancellationRequested))
        {
            UpstreamBroke(logger, target.Name, e.GetType().Name);
            await frames.WriteAsync(writer.Fail(e is OperationCanceledException ? "upstream_timeout" : "upstream_disconnected",
                "The chat upstream stopped answering mid-response."));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>The caller's request was refused as such (400, 404, 422...): what the upstream said, minus the router's key.</summary>
    private static async Task<UpstreamFailure> RefusedAsync(HttpResponseMessage response, string? key, CancellationToken cancellation)
    {
        var status = (int)response.StatusCode;
        var text = await UpstreamBody.ErrorTextAsync(response, key, cancellation);
        var detail = $"The target refused the request (HTTP {status}).";
        try
        {
            using var error = JsonDocument.Parse(text);
            if (error.RootElement.ValueKind == JsonValueKind.Object && error.RootElement.TryGetProperty("error", out var e)
                && e.ValueKind == JsonValueKind.Object && e.TryGetProperty("message", out var message) && message.ValueKind == JsonValueKind.String)
            {
                detail = message.GetString()!;
            }
        }
        catch (JsonException)
        {
            // Not JSON: the status says enough.
        }
        return UpstreamCaller.Failure(FailureKind.Refused, status, "upstream_rejected", detail);
    }

    private static async Task SendChunksAsync(IServerStreamWriter<BridgeReply> replies, byte[] body, CancellationToken cancellation)
    {
        for (var offset = 0; offset < body.Length; offset += MaxChunkBytes)
        {
            var length = Math.Min(MaxChunkBytes, body.Length - offset);
            await replies.WriteAsync(new BridgeReply { Chunk = UnsafeByteOperations.UnsafeWrap(body.AsMemory(offset, length)) }, cancellation);
        }
    }

    private static UpstreamFailure Invalid(Target target, string why) =>
        UpstreamCaller.Failure(FailureKind.InvalidResponse, 502, "upstream_invalid_response", $"The target '{target.Name}': {why}.");

    private static UpstreamFailure Named(Target target, UpstreamFailure failure)
    {
        failure.Message = $"The target '{target.Name}': {failure.Message}.";
        return failure;
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

    private static TimeSpan IdleTimeout(Limits limits) =>
        limits.IdleTimeout?.ToTimeSpan() is { } idle && idle > TimeSpan.Zero ? idle : TimeSpan.FromSeconds(300);

    private static long MaxResponseBytes(Limits limits) => limits.MaxResponseBytes > 0 ? limits.MaxResponseBytes : 64L * 1024 * 1024;

    /// <summary>Responses events as SSE frames, gathered into chunks of the reply stream.</summary>
    private sealed class SseFrames(IServerStreamWriter<BridgeReply> replies, CancellationToken cancellation)
    {
        private readonly ArrayBufferWriter<byte> _pending = new(ChunkBytes);

        public void Add(IEnumerable<ResponsesEvent> events)
        {
            foreach (var e in events)
            {
                e.WriteFrame(_pending);
            }
        }

        public Task WriteAsync(IEnumerable<ResponsesEvent> events)
        {
            Add(events);
            return FlushAsync();
        }

        public async Task FlushAsync()
        {
            if (_pending.WrittenCount > 0)
            {
                await SendChunksAsync(replies, _pending.WrittenSpan.ToArray(), cancellation);
                _pending.ResetWrittenCount();
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Chat target {Target} broke off mid-response ({ErrorType})")]
    private static partial void UpstreamBroke(ILogger logger, string target, string errorType);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Asked for target {Target} of group {Group} (catalog version {RequestedVersion}), which catalog version {CatalogVersion} does not have")]
    private static partial void UnknownTarget(ILogger logger, string group, string target, long requestedVersion, long catalogVersion);
}
