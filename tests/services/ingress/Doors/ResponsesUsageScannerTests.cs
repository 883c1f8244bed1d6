using System.Text;

using GenAiRouter.Ingress.Doors.Responses;
using GenAiRouter.Ingress.Telemetry;

namespace GenAiRouter.Ingress.Tests.Doors;

public sealed class ResponsesUsageScannerTests
{
    private const string Stream = """
        event: response.created
        data: {"type":"response.created","response":{"id":"r","usage":null}}

        event: response.output_text.delta
        data: {"type":"response.output_text.delta","delta":"\"response.completed\" is just text here"}

        event: response.completed
        data: {"type":"response.completed","response":{"id":"r","usage":{"input_tokens":120,"input_tokens_details":{"cached_tokens":100},"output_tokens":7,"output_tokens_details":{"reasoning_tokens":4},"total_tokens":127}}}


        """;

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(64)]
    [InlineData(100_000)]
    public void Usage_is_read_from_the_terminal_event_however_the_stream_is_chunked(int chunkSize)
    {
        var bytes = Encoding.UTF8.GetBytes(Stream.Replace("\n", "\r\n", StringComparison.Ordinal));
        using var scanner = new ResponsesUsageScanner();

        for (var i = 0; i < bytes.Length; i += chunkSize)
        {
            scanner.Observe(bytes.AsSpan(i, Math.Min(chunkSize, bytes.Length - i)));
        }

        Assert.Equal(new UpstreamUsage(120, 100, 7, 4), scanner.Usage);
    }

    [Fact]
    public void A_stream_without_a_terminal_event_has_no_usage()
    {
        using var scanner = new ResponsesUsageScanner();

        scanner.Observe(Encoding.UTF8.GetBytes("data: {\"type\":\"response.created\"}\n\ndata: not json \"response.completed\"\n\n"));

        Assert.Null(scanner.Usage);
    }

    [Fact]
    public void Usage_is_read_from_a_whole_json_response()
    {
        var usage = ResponsesUsageScanner.FromAnswer("""{"id":"r","usage":{"input_tokens":5,"output_tokens":2}}"""u8);

        Assert.Equal(new UpstreamUsage(5, 0, 2, 0), usage);
        Assert.Null(ResponsesUsageScanner.FromAnswer("<html>"u8));
    }
}
