using System.Buffers;
using System.Text.Json;
using GenAiRouter.Contracts.V1;
using GenAiRouter.Protocols;
using GenAiRouter.Protocols.Canonical;
using GenAiRouter.Routing;
using GenAiRouter.Upstream;
using Google.Protobuf;
using Grpc.Core;

namespace GenAiRouter.Bridge;

/// <summary>
/// Serves a caller's request from a target that speaks another protocol: resolves the target from its own catalog
/// snapshot (the request only names it), reads the request with the door's adapter, writes it with the target's,
/// calls the target, and streams the answer back in the door's protocol (the target's adapter reads it, the door's
/// writes it) as SSE frames or one whole answer, in chunks. Stateless. Trouble before <see cref="BridgeStart"/> is an
/// <see cref="UpstreamFailure"/> (ingress may fail over); after it, the stream ends with its terminal error event.
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
        if (request.Door == target.Api || request.Door == Protocol.Unspecified)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"the bridge translates between protocols; a {request.Door} target is relayed by ingress"));
        }
        var door = ProtocolAdapters.For(request.Door);
        var targetProtocol = ProtocolAdapters.For(target.Api);
        var limits = snapshot.Limits;

        Conversation conversation;
        TargetRequest targetRequest;
        try
        {
            using var document = JsonDocument.Parse(request.Body.Memory);
            conversation = door.ReadRequest(document.RootElement);
            targetRequest = targetProtocol.WriteRequest(conversation, target);
        }
        catch (Exception e) when (e is TranslationException or JsonException or InvalidOperationException)
        {
            var refused = UpstreamCaller.Failure(FailureKind.Refused, 400, "invalid_request", e is TranslationException ? e.Message : "The request body is not valid JSON.");
            refused.Param = (e as TranslationException)?.Param ?? "";
            await responseStream.WriteAsync(new BridgeReply { Failure = refused }, cancellation);
            return;
        }

        using var call = await upstream.SendAsync(target, new ByteArrayContent(targetRequest.Json), limits, cancellation);
        if (call.Failure is { } failure)
        {
            await responseStream.WriteAsync(new BridgeReply { Failure = Named(target, failure) }, cancellation);
            return;
        }
        var response = call.Response!;
        if (!response.IsSuccessStatusCode)
        {
            await responseStream.WriteAsync(new BridgeReply { Failure = await RefusedAsync(response, call.Key, cancellation) }, cancellation);
            return;
        }

        // The answer names the group the caller asked for, as a native target's answer would after routing. A caller
        // of Chat Completions always gets the usage chunk here; ingress hides it from one that did not ask for it.
        var writer = door.NewAnswerWriter(new AnswerContext(door.AnswerId(request.RequestId), conversation.Model, time.GetUtcNow().ToUnixTimeSeconds(),
            conversation.Stream, StreamUsage: true, Reasoning: conversation.ReasoningEffort is not null));
        var reader = targetProtocol.NewAnswerReader(targetRequest.ToolNames);
        var start = new BridgeStart { Status = 200, ContentType = conversation.Stream ? "text/event-stream" : "application/json" };
        if (targetRequest.DroppedTools.Count > 0)
        {
            start.Headers[DroppedToolsHeader] = string.Join(",", targetRequest.DroppedTools);
        }
        if (targetRequest.Stream)
        {
            if (response.Content.Headers.ContentType?.MediaType != "text/event-stream")
            {
                await responseStream.WriteAsync(new BridgeReply { Failure = Invalid(target, $"it answered a stream request with {response.Content.Headers.ContentType?.MediaType ?? "no content type"}") }, cancellation);
                return;
            }
            await responseStream.WriteAsync(new BridgeReply { Start = start }, cancellation);
            var frames = new Frames(responseStream, cancellation);
            writer.Start(frames.Pending);
            await frames.FlushAsync();
            await RelayStreamAsync(response, reader, writer, frames, target, limits, cancellation);
            return;
        }

        await using var body = await response.Content.ReadAsStreamAsync(cancellation);
        var (json, invalid) = await UpstreamBody.ReadJsonAsync(body, response.Content.Headers.ContentLength, IdleTimeout(limits), MaxResponseBytes(limits), cancellation);
        if (invalid is not null || JsonRead.ParseObject(json) is not { } whole)
        {
            await responseStream.WriteAsync(new BridgeReply { Failure = invalid is null ? Invalid(target, "its answer is not one the target's protocol defines") : Named(target, invalid) }, cancellation);
            return;
        }
        var answer = new ArrayBufferWriter<byte>();
        if (conversation.Stream)
        {
            writer.Start(answer);
        }
        writer.WriteAll(reader.OnWhole(whole), answer);
        if (conversation.Stream)
        {
            await responseStream.WriteAsync(new BridgeReply { Start = start }, cancellation);
            await SendChunksAsync(responseStream, answer.WrittenSpan.ToArray(), cancellation);
            return;
        }
        var (result, failed) = writer.Whole();
        if (failed is not null)
        {
            await responseStream.WriteAsync(new BridgeReply { Failure = UpstreamCaller.Failure(FailureKind.InvalidResponse, 502, failed.Code, $"The target '{target.Name}' failed: {failed.Message}") }, cancellation);
            return;
        }
        await responseStream.WriteAsync(new BridgeReply { Start = start }, cancellation);
        await SendChunksAsync(responseStream, result!, cancellation);
    }

    /// <summary>The target's stream in, the caller's out, as it arrives; the upstream's silence, breaks and size are bounded.</summary>
    private async Task RelayStreamAsync(HttpResponseMessage response, IAnswerReader reader, IAnswerWriter writer, Frames frames, Target target, Limits limits, CancellationToken cancellation)
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
                    writer.WriteAll(reader.OnEnd(), frames.Pending);
                    break;
                }
                received += read;
                if (received > maxBytes)
                {
                    writer.Write(new Failed("upstream_response_too_large", "The upstream's answer is larger than this router accepts."), frames.Pending);
                    break;
                }
                foreach (var data in lines.Data(buffer.AsSpan(0, read)))
                {
                    writer.WriteAll(reader.OnData(data.Span), frames.Pending);
                }
                await frames.FlushAsync();
            }
        }
        catch (Exception e) when (e is HttpRequestException or IOException || (e is OperationCanceledException && !cancellation.IsCancellationRequested))
        {
            UpstreamBroke(logger, target.Name, e.GetType().Name);
            writer.Write(new Failed(e is OperationCanceledException ? "upstream_timeout" : "upstream_disconnected", "The upstream stopped answering mid-response."), frames.Pending);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        await frames.FlushAsync();
    }

    /// <summary>The caller's request was refused as such (400, 404, 422...): what the upstream said, minus the router's key.</summary>
    private static async Task<UpstreamFailure> RefusedAsync(HttpResponseMessage response, string? key, CancellationToken cancellation)
    {
        var status = (int)response.StatusCode;
        var text = await UpstreamBody.ErrorTextAsync(response, key, cancellation);
        var detail = $"The target refused the request (HTTP {status}).";
        if (JsonRead.ParseObject(System.Text.Encoding.UTF8.GetBytes(text)) is { } error && JsonRead.Property(error, "error") is { ValueKind: JsonValueKind.Object } e
            && JsonRead.Text(e, "message") is { } message)
        {
            detail = message;
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

    private static TimeSpan IdleTimeout(Limits limits) =>
        limits.IdleTimeout?.ToTimeSpan() is { } idle && idle > TimeSpan.Zero ? idle : TimeSpan.FromSeconds(300);

    private static long MaxResponseBytes(Limits limits) => limits.MaxResponseBytes > 0 ? limits.MaxResponseBytes : 64L * 1024 * 1024;

    /// <summary>The caller's frames, gathered and sent as chunks of the reply stream.</summary>
    private sealed class Frames(IServerStreamWriter<BridgeReply> replies, CancellationToken cancellation)
    {
        public ArrayBufferWriter<byte> Pending { get; } = new(ChunkBytes);

        public async Task FlushAsync()
        {
            if (Pending.WrittenCount > 0)
            {
                await SendChunksAsync(replies, Pending.WrittenSpan.ToArray(), cancellation);
                Pending.ResetWrittenCount();
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Target {Target} broke off mid-response ({ErrorType})")]
    private static partial void UpstreamBroke(ILogger logger, string target, string errorType);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Asked for target {Target} of group {Group} (catalog version {RequestedVersion}), which catalog version {CatalogVersion} does not have")]
    private static partial void UnknownTarget(ILogger logger, string group, string target, long requestedVersion, long catalogVersion);
}
