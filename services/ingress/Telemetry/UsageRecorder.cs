using System.Threading.Channels;
using GenAiRouter.Contracts.V1;
using GenAiRouter.Hosting;

namespace GenAiRouter.Ingress.Telemetry;

/// <summary>
/// Publishes usage events off the request path: a request only enqueues its event. Events go out in batches of what
/// queues up within 50 ms (up to 500), so delivery keeps pace with a busy router at a small cost per event. Publishing
/// retries with backoff while the usage pipeline is down. Nothing is lost: an event that does not fit the bounded
/// queue (10,000) is spilled to the data directory, and so is whatever is still queued when a shutdown's drain runs
/// out of time; spilled events are sent once the queue has room again, or on the next start.
/// </summary>
public sealed partial class UsageRecorder(IEventPublisher events, RouterMetrics metrics, IConfiguration configuration, ILogger<UsageRecorder> logger) : BackgroundService
{
    private const int Capacity = 10_000;
    private const int MaxBatch = 500;
    private static readonly TimeSpan BatchWindow = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan DrainFor = TimeSpan.FromSeconds(10);
    private readonly Channel<UsageEvent> _queue = Channel.CreateBounded<UsageEvent>(new BoundedChannelOptions(Capacity)
    {
        FullMode = BoundedChannelFullMode.Wait,
        SingleReader = true,
    });
    private readonly UsageSpill _spill = new(configuration["ROUTER_DATA_DIR"] is { Length: > 0 } dir ? dir : null);
    private long _dropped;
    private int _spilledSinceSent;

    public long Dropped => Interlocked.Read(ref _dropped);

    public void Record(UsageEvent usage)
    {
        if (_queue.Writer.TryWrite(usage))
        {
            metrics.UsageEvents("queued", 1);
        }
        else
        {
            Keep([usage], "the usage queue is full");
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var batch = new List<Google.Protobuf.IMessage>(MaxBatch);
        try
        {
            await SendSpilledAsync(stoppingToken);
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
                if (_queue.Reader.Count == 0 && Interlocked.Exchange(ref _spilledSinceSent, 0) == 1)
                {
                    // The queue overflowed earlier and has room again: send what it spilled.
                    await SendSpilledAsync(stoppingToken);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The batch in hand goes back to the queue's drain below (or, should the queue be full, to the spill).
            foreach (var usage in batch)
            {
                Record((UsageEvent)usage);
            }
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        using var drain = new CancellationTokenSource(DrainFor);
        var batch = new List<Google.Protobuf.IMessage>(MaxBatch);
        while (_queue.Reader.TryRead(out var first))
        {
            batch.Add(first);
            Take(batch);
            try
            {
                await events.PublishAsync(Topics.Usage, batch, drain.Token);
                metrics.UsageEvents("published", batch.Count);
            }
            catch (Exception e) when (e is HttpRequestException or OperationCanceledException or Grpc.Core.RpcException or Dapr.DaprException)
            {
                // The pipeline is away or the drain ran out of time: keep this batch and everything still queued.
                while (_queue.Reader.TryRead(out var rest))
                {
                    batch.Add(rest);
                }
                Keep(batch.Cast<UsageEvent>().ToList(), "the usage service could not take them before shutdown");
            }
            batch.Clear();
        }
    }

    /// <summary>Events spilled by an earlier run (or by this one, when its queue overflowed) go out first.</summary>
    private async Task SendSpilledAsync(CancellationToken stoppingToken)
    {
        foreach (var (file, spilled) in _spill.Read())
        {
            foreach (var chunk in spilled.Chunk(MaxBatch))
            {
                await PublishAsync([.. chunk], stoppingToken);
            }
            UsageSpill.Delete(file);
            SpillSent(logger, spilled.Count, file);
        }
    }

    private void Keep(List<UsageEvent> usage, string why)
    {
        if (_spill.Enabled)
        {
            try
            {
                _spill.Write(usage);
                metrics.UsageEvents("spilled", usage.Count);
                Volatile.Write(ref _spilledSinceSent, 1);
                UsageSpilled(logger, usage.Count, why);
                return;
            }
            catch (IOException e)
            {
                SpillFailed(logger, e.Message);
            }
        }
        metrics.UsageEvents("dropped", usage.Count);
        foreach (var lost in usage)
        {
            UsageDropped(logger, lost.RequestId, why, Interlocked.Increment(ref _dropped));
        }
    }

    private void Take(List<Google.Protobuf.IMessage> batch)
    {
        while (batch.Count < MaxBatch && _queue.Reader.TryRead(out var usage))
        {
            batch.Add(usage);
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
                metrics.UsageEvents("published", batch.Count);
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "{EventCount} usage events kept in the data directory ({Reason}); they are sent on the next start")]
    private static partial void UsageSpilled(ILogger logger, int eventCount, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Sent {EventCount} usage events kept by an earlier run ({SpillFile})")]
    private static partial void SpillSent(ILogger logger, int eventCount, string spillFile);

    [LoggerMessage(Level = LogLevel.Error, Message = "Usage events could not be kept in the data directory: {Error}")]
    private static partial void SpillFailed(ILogger logger, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Usage event {RequestId} dropped: {Reason}, and there is no data directory to keep it in ({DroppedTotal} dropped so far)")]
    private static partial void UsageDropped(ILogger logger, string requestId, string reason, long droppedTotal);
}
