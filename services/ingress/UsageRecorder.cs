using System.Threading.Channels;
using GenAiRouter.Contracts.V1;
using GenAiRouter.Hosting;

namespace GenAiRouter.Ingress;

/// <summary>
/// Publishes usage events off the request path: a request only enqueues its event. Events go out in batches of
/// what queues up within 50 ms (up to 500), so delivery keeps pace with a busy router at a small cost per event.
/// Publishing retries with backoff while the usage pipeline is down; the queue is bounded (10,000 events), and an event that does not fit is counted
/// and logged, never silently lost. On shutdown the queue is drained for up to ten seconds.
/// </summary>
public sealed partial class UsageRecorder(IEventPublisher events, ILogger<UsageRecorder> logger) : BackgroundService
{
    private const int Capacity = 10_000;
    private const int MaxBatch = 500;
    private static readonly TimeSpan BatchWindow = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(30);
    private readonly Channel<UsageEvent> _queue = Channel.CreateBounded<UsageEvent>(new BoundedChannelOptions(Capacity)
    {
        FullMode = BoundedChannelFullMode.Wait,
        SingleReader = true,
    });
    private long _dropped;

    public long Dropped => Interlocked.Read(ref _dropped);

    public void Record(UsageEvent usage)
    {
        if (!_queue.Writer.TryWrite(usage))
        {
            UsageDropped(logger, usage.RequestId, Interlocked.Increment(ref _dropped));
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var batch = new List<Google.Protobuf.IMessage>(MaxBatch);
        try
        {
            while (await _queue.Reader.WaitToReadAsync(stoppingToken))
            {
                Take(batch);
                if (batch.Count < MaxBatch)
                {
                    // A busy router fills the batch in this window; a quiet one delays its usage rows by that much.
                    await Task.Delay(BatchWindow, stoppingToken);
                    Take(batch);
                }
                await PublishAsync(batch, stoppingToken);
                batch.Clear();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The batch in hand goes back to the queue's drain below.
            foreach (var usage in batch)
            {
                Record((UsageEvent)usage);
            }
        }
    }

    private void Take(List<Google.Protobuf.IMessage> batch)
    {
        while (batch.Count < MaxBatch && _queue.Reader.TryRead(out var usage))
        {
            batch.Add(usage);
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        using var drain = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var batch = new List<Google.Protobuf.IMessage>(MaxBatch);
        while (!drain.IsCancellationRequested && _queue.Reader.TryRead(out var first))
        {
            batch.Add(first);
            Take(batch);
            try
            {
                await events.PublishAsync(Topics.Usage, batch, drain.Token);
            }
            catch (Exception e) when (e is HttpRequestException or OperationCanceledException or Grpc.Core.RpcException or Dapr.DaprException)
            {
                foreach (var usage in batch)
                {
                    UsageDropped(logger, ((UsageEvent)usage).RequestId, Interlocked.Increment(ref _dropped));
                }
            }
            batch.Clear();
        }
    }

    private async Task PublishAsync(List<Google.Protobuf.IMessage> batch, CancellationToken stoppingToken)
    {
        var backoff = TimeSpan.FromMilliseconds(250);
        while (true)
        {
            try
            {
                await events.PublishAsync(Topics.Usage, batch, stoppingToken);
                return;
            }
            catch (Exception e) when (e is HttpRequestException or Grpc.Core.RpcException or Dapr.DaprException || (e is OperationCanceledException && !stoppingToken.IsCancellationRequested))
            {
                PublishRetry(logger, batch.Count, backoff.TotalSeconds, e.GetType().Name);
                await Task.Delay(backoff, stoppingToken);
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxBackoff.Ticks));
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{EventCount} usage events could not be published ({ErrorType}); retrying in {RetrySeconds} s")]
    private static partial void PublishRetry(ILogger logger, int eventCount, double retrySeconds, string errorType);

    [LoggerMessage(Level = LogLevel.Error, Message = "Usage event {RequestId} dropped: the usage queue is full or shutting down ({DroppedTotal} dropped so far)")]
    private static partial void UsageDropped(ILogger logger, string requestId, long droppedTotal);
}
