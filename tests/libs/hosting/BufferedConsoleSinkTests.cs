using System.Text;
using Serilog.Events;
using Serilog.Formatting.Compact;
using Serilog.Parsing;

namespace GenAiRouter.Hosting.Tests;

public sealed class BufferedConsoleSinkTests
{
    [Fact]
    public async Task A_lone_line_is_written_within_the_window_without_waiting_for_more()
    {
        var output = new Lines();
        using var sink = new BufferedConsoleSink(new RenderedCompactJsonFormatter(), output);

        sink.Emit(Event("request 1 answered"));

        Assert.True(await output.WaitForAsync(1, TimeSpan.FromSeconds(5)), "the line was not written");
        Assert.Contains("request 1 answered", output.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_burst_goes_out_in_order_and_in_a_few_writes_not_a_write_per_line()
    {
        var output = new Lines();
        using var sink = new BufferedConsoleSink(new RenderedCompactJsonFormatter(), output);

        for (var i = 0; i < 1000; i++)
        {
            sink.Emit(Event($"request {i} answered"));
        }

        Assert.True(await output.WaitForAsync(1000, TimeSpan.FromSeconds(5)), $"{output.LineCount} of 1000 lines written");
        var lines = output.Text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(Enumerable.Range(0, 1000).Select(i => $"request {i} answered"), lines.Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement.GetProperty("@m").GetString()));
        Assert.InRange(output.Writes, 1, 20);
    }

    [Fact]
    public void Disposing_writes_what_is_still_queued()
    {
        var output = new Lines();
        var sink = new BufferedConsoleSink(new RenderedCompactJsonFormatter(), output);
        for (var i = 0; i < 50; i++)
        {
            sink.Emit(Event($"shutting down {i}"));
        }

        sink.Dispose();

        Assert.Equal(50, output.LineCount);
    }

    [Fact]
    public void Lines_beyond_the_capacity_are_dropped_and_counted_not_waited_for()
    {
        var output = new Lines { Blocked = true };
        using var sink = new BufferedConsoleSink(new RenderedCompactJsonFormatter(), output);

        // The loop takes what fits its buffer (a few hundred lines), then waits on the stalled console; the queue fills.
        for (var i = 0; i < BufferedConsoleSink.Capacity + 2000; i++)
        {
            sink.Emit(Event("flood"));
        }

        Assert.InRange(sink.Dropped, 1, 2000);
        output.Blocked = false;
    }

    private static LogEvent Event(string text) =>
        new(DateTimeOffset.UtcNow, LogEventLevel.Information, null, new MessageTemplate(text, [new TextToken(text)]), []);

    /// <summary>Standard output as the sink sees it: counts writes and lines; can stall like a console nobody reads.</summary>
    private sealed class Lines : MemoryStream
    {
        private readonly Lock _lock = new();

        public volatile bool Blocked;

        public int Writes { get; private set; }

        public string Text
        {
            get
            {
                lock (_lock)
                {
                    return Encoding.UTF8.GetString(ToArray());
                }
            }
        }

        public int LineCount => Text.Count(c => c == '\n');

        public override void Write(byte[] buffer, int offset, int count)
        {
            SpinWait.SpinUntil(() => !Blocked, TimeSpan.FromSeconds(10));
            lock (_lock)
            {
                Writes++;
                base.Write(buffer, offset, count);
            }
        }

        public override void Write(ReadOnlySpan<byte> buffer) => Write(buffer.ToArray(), 0, buffer.Length);

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            Write(buffer, offset, count);
            return Task.CompletedTask;
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Write(buffer.Span);
            return ValueTask.CompletedTask;
        }

        public async Task<bool> WaitForAsync(int lines, TimeSpan timeout)
        {
            var until = DateTime.UtcNow + timeout;
            while (LineCount < lines && DateTime.UtcNow < until)
            {
                await Task.Delay(10);
            }
            return LineCount >= lines;
        }
    }
}
