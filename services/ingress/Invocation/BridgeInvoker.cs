using GenAiRouter.Contracts.V1;
using GenAiRouter.Ingress.Doors;
using GenAiRouter.Upstream;
using Google.Protobuf;
using Grpc.Core;

namespace GenAiRouter.Ingress.Invocation;

/// <summary>
/// A target that speaks another protocol than the door, through the bridge. The bridge's first reply says whether
/// the target answered; after that come the answer's bytes in the door's protocol, read as a stream.
/// </summary>
public sealed partial class BridgeInvoker(Contracts.V1.Bridge.BridgeClient bridge, ILogger<BridgeInvoker> logger)
{
    /// <summary>Beyond the upstream's own first-byte timeout (which the bridge applies), for the hop itself.</summary>
    private static readonly TimeSpan BridgeMargin = TimeSpan.FromSeconds(10);

    public async Task<(UpstreamAnswer? Answer, UpstreamFailure? Failure)> SendAsync(
        string requestId, IDoor door, DoorRequest request, Target target, long catalogVersion, byte[] body, Limits limits, CancellationToken cancellationToken)
    {
        // Reasoning the caller carries back goes to the bridge only if this target's boundary sealed it.
        var dropped = 0;
        if (request.Sealed is { Count: > 0 } sealedItems)
        {
            var edits = new List<BodyEdit>();
            dropped = ReasoningSeals.Unseal(sealedItems, target, edits);
            body = BodyEdit.Apply(body, edits);
        }
        var call = bridge.Generate(new BridgeRequest
        {
            RequestId = requestId,
            Group = request.Group,
            Target = target.Name,
            CatalogVersion = catalogVersion,
            Door = door.Protocol,
            Body = UnsafeByteOperations.UnsafeWrap(body),
        }, cancellationToken: cancellationToken);
        BridgeReply first;
        using (var firstReply = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            firstReply.CancelAfter((limits.FirstByteTimeout?.ToTimeSpan() ?? TimeSpan.FromSeconds(120)) + BridgeMargin);
            try
            {
                if (!await call.ResponseStream.MoveNext(firstReply.Token))
                {
                    call.Dispose();
                    return (null, Unreachable(target, "the bridge closed the call without an answer"));
                }
                first = call.ResponseStream.Current;
            }
            catch (RpcException) when (cancellationToken.IsCancellationRequested)
            {
                call.Dispose();
                throw new OperationCanceledException(cancellationToken);
            }
            catch (RpcException e)
            {
                call.Dispose();
                BridgeUnavailable(logger, target.Name, e.StatusCode);
                return (null, e.StatusCode == StatusCode.Cancelled
                    ? UpstreamCaller.Failure(FailureKind.Timeout, 504, "upstream_timeout", $"The target '{target.Name}' did not answer through the bridge in time.")
                    : Unreachable(target, $"the bridge is not reachable ({e.StatusCode})"));
            }
        }
        switch (first.KindCase)
        {
            case BridgeReply.KindOneofCase.Failure:
                call.Dispose();
                return (null, first.Failure);
            case BridgeReply.KindOneofCase.Start:
                var answer = new UpstreamAnswer(first.Start.Status, first.Start.ContentType, null, new BridgeAnswerStream(call.ResponseStream), call);
                foreach (var (name, value) in first.Start.Headers)
                {
                    answer.Headers[name] = value;
                }
                answer.Headers["x-router-bridge"] = Telemetry.RouterMetrics.ProtocolText(target.Api);
                if (dropped > 0)
                {
                    answer.Headers[NativeInvoker.ReasoningDroppedHeader] = dropped.ToString(System.Globalization.CultureInfo.InvariantCulture);
                }
                return (answer, null);
            default:
                call.Dispose();
                return (null, Unreachable(target, "the bridge answered out of order"));
        }
    }

    private static UpstreamFailure Unreachable(Target target, string why) =>
        UpstreamCaller.Failure(FailureKind.Unreachable, 502, "upstream_unavailable", $"The target '{target.Name}' could not be called: {why}.");

    [LoggerMessage(Level = LogLevel.Warning, Message = "The bridge could not serve target {Target} ({StatusCode}); trying the next target")]
    private static partial void BridgeUnavailable(ILogger logger, string target, StatusCode statusCode);

    /// <summary>The chunks after the bridge's start, as a stream; the bridge failing mid-answer is an <see cref="IOException"/>.</summary>
    private sealed class BridgeAnswerStream(IAsyncStreamReader<BridgeReply> replies) : Stream
    {
        private ReadOnlyMemory<byte> _current;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            while (_current.IsEmpty)
            {
                bool more;
                try
                {
                    more = await replies.MoveNext(cancellationToken);
                }
                catch (RpcException) when (cancellationToken.IsCancellationRequested)
                {
                    throw new OperationCanceledException(cancellationToken);
                }
                catch (RpcException e)
                {
                    throw new IOException($"the bridge broke off mid-answer ({e.StatusCode})", e);
                }
                if (!more)
                {
                    return 0;
                }
                _current = replies.Current.KindCase == BridgeReply.KindOneofCase.Chunk
                    ? replies.Current.Chunk.Memory
                    : throw new IOException("the bridge sent something other than the answer's bytes mid-answer");
            }
            var length = Math.Min(buffer.Length, _current.Length);
            _current[..length].CopyTo(buffer);
            _current = _current[length..];
            return length;
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("read asynchronously");
        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
