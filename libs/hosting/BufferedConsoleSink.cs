using System.Text;
using System.Threading.Channels;
using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting;

namespace GenAiRouter.Hosting;

/// <summary>
/// Log lines to standard output, off the request path and in batches. A request only queues its event; a background
/// loop wakes when the first event of a quiet spell arrives, lets the lines of the next few milliseconds gather, then
/// formats them all into one buffer and writes it at once. A busy router thus pays a wake-up and a write (a system
/// call) per batch, not per line: handing each line to a log thread as it was logged cost ingress a context switch
/// or two per request. Lines and their format are unchanged; no line waits longer than <see cref="Window"/>. If the
/// console falls <see cref="Capacity"/> lines behind, new lines are dropped (and counted), not requests slowed.
/// </summary>
public sealed class BufferedConsoleSink : ILogEventSink, IDisposable
{
    public const int Capacity = 10_000;
    public static readonly TimeSpan Window = TimeSpan.FromMilliseconds(20);

    private readonly Channel<LogEvent> _queue = Channel.CreateBounded<LogEvent>(new BoundedChannelOptions(Capacity)
    {
        // TryWrite then says false when the queue is full, and the line is dropped (DropWrite would hide that).
        FullMode = BoundedChannelFullMode.Wait,
        SingleReader = true,
    });
    private readonly ITextFormatter _formatter;
    private readonly TextWriter _output;
    private readonly Task _writing;
    private long _dropped;

    public BufferedConsoleSink(ITextFormatter formatter, Stream? output = null)
    {
        _formatter = formatter;
        _output = new StreamWriter(output ?? Console.OpenStandardOutput(), new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), 64 * 1024) { AutoFlush = false };
        _writing = Task.Run(WriteAsync);
    }

    /// <summary>Lines dropped because the console fell too far behind.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    public void Emit(LogEvent logEvent)
    {
        if (!_queue.Writer.TryWrite(logEvent))
        {
            Interlocked.Increment(ref _dropped);
        }
    }

    private async Task WriteAsync()
    {
        var reader = _queue.Reader;
        while (await reader.WaitToReadAsync())
        {
            // The first line of a spell waits for the others that come with it; a lone line is out within the window.
            await Task.Delay(Window);
            while (reader.TryRead(out var logEvent))
            {
                try
                {
                    _formatter.Format(logEvent, _output);
                }
                catch (Exception e) when (e is FormatException or ArgumentException or InvalidOperationException)
                {
                    Serilog.Debugging.SelfLog.WriteLine("A log event could not be formatted: {0}", e.Message);
                }
            }
            try
            {
                await _output.FlushAsync();
            }
            catch (IOException)
            {
                // Nobody reads the console any more (a closed pipe): the lines have nowhere to go.
            }
        }
    }

    /// <summary>Writes what is queued, then stops (called when the logger is disposed at shutdown).</summary>
    public void Dispose()
    {
        _queue.Writer.TryComplete();
        _writing.Wait(TimeSpan.FromSeconds(5));
        _output.Dispose();
    }
}
