using System.Threading.Channels;
using GenAiRouter.Contracts.V1;
using GenAiRouter.Hosting;

namespace GenAiRouter.Ingress;

/// <summary>
/// Publishes usage events off the request path: a request only enqueues its event. Publishing retries with backoff
/// while the usage pipeline is down; the queue is bounded (10,000 events), and an event that does not fit is counted
/// and logged, never silently lost. On shutdown the queue is drained for up to ten seconds.
/// </summary>
public sealed partial class UsageRecorder(IEventPublisher events, ILogger<UsageRecorder> logger) : BackgroundService
{
    private const int Capacity = 10_000;
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
        try
        {
            await foreach (var usage in _queue.Reader.ReadAllAsync(stoppingToken))
            {
                await PublishAsync(usage, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        using var drain = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (!drain.IsCancellationRequested && _queue.Reader.TryRead(out var usage))
        {
            try
            {
                await events.PublishAsync(Topics.Usage, usage, drain.Token);
            }
            catch (Exception e) when (e is HttpRequestException or OperationCanceledException or Grpc.Core.RpcException or Dapr.DaprException)
            {
                UsageDropped(logger, usage.RequestId, Interlocked.Increment(ref _dropped));
            }
        }
    }

    private async Task PublishAsync(UsageEvent usage, CancellationToken stoppingToken)
    {
        var backoff = TimeSpan.FromMilliseconds(250);
        while (true)
        {
            try
            {
                await events.PublishAsync(Topics.Usage, usage, stoppingToken);
                return;
            }
            catch (Exception e) when (e is HttpRequestException or Grpc.Core.RpcException or Dapr.DaprException || (e is OperationCanceledException && !stoppingToken.IsCancellationRequested))
            {
                PublishRetry(logger, usage.RequestId, backoff.TotalSeconds, e.GetType().Name);
                await Task.Delay(backoff, stoppingToken);
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxBackoff.Ticks));
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Usage event {RequestId} could not be published ({ErrorType}); retrying in {RetrySeconds} s")]
    private static partial void PublishRetry(ILogger logger, string requestId, double retrySeconds, string errorType);

    [LoggerMessage(Level = LogLevel.Error, Message = "Usage event {RequestId} dropped: the usage queue is full or shutting down ({DroppedTotal} dropped so far)")]
    private static partial void UsageDropped(ILogger logger, string requestId, long droppedTotal);
}
