using GenAiRouter.Routing;

namespace GenAiRouter.Routing.Tests;

public sealed class BoundedReadTests
{
    [Theory]
    [InlineData(0, null)]
    [InlineData(600, null)]
    [InlineData(600, 600L)]
    [InlineData(4096, null)]
    [InlineData(300_000, null)]
    [InlineData(300_000, 300_000L)]
    public async Task A_body_within_the_limit_is_read_whole_whatever_its_framing(int size, long? length)
    {
        var body = Enumerable.Range(0, size).Select(i => (byte)i).ToArray();

        Assert.Equal(body, await BoundedRead.ReadAsync(new TrickleStream(body), length, 1 << 20, () => default));
    }

    [Theory]
    [InlineData(1000, 999)]
    [InlineData(100_000, 65_536)]
    public async Task A_body_over_the_limit_is_refused_without_reading_all_of_it(int size, long maxBytes)
    {
        var stream = new TrickleStream(new byte[size]);

        Assert.Null(await BoundedRead.ReadAsync(stream, null, maxBytes, () => default));
        Assert.True(stream.Position <= maxBytes + 16 * 1024, $"read {stream.Position} bytes of a body refused at {maxBytes}");
    }

    [Fact]
    public async Task The_token_for_each_read_comes_from_the_caller()
    {
        var reads = 0;

        await BoundedRead.ReadAsync(new TrickleStream(new byte[50_000]), null, 1 << 20, () =>
        {
            reads++;
            return default;
        });

        Assert.True(reads > 1, "each read asks for its token (where the idle timeout is set)");
    }

    /// <summary>A body that arrives a few kilobytes per read, as over a socket.</summary>
    private sealed class TrickleStream(byte[] data) : MemoryStream(data)
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(buffer.Length, 3000)], cancellationToken);
    }
}
