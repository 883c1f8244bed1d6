using System.Text;
using System.Text.Json;
using FsCheck;
using FsCheck.Fluent;
using GenAiRouter.Ingress.Doors.Chat;

namespace GenAiRouter.Ingress.Tests.Doors;

/// <summary>
/// A chat target's stream relayed natively, cut into network reads anywhere: the caller who did not ask for usage gets
/// every byte but the usage chunk's frame; the meter reads the usage and the end whatever the cuts.
/// </summary>
public sealed class ChatStreamTests
{
    private const string Usage = """{"id":"c","object":"chat.completion.chunk","choices":[],"usage":{"prompt_tokens":11,"completion_tokens":4,"total_tokens":15}}""";

    [Fact]
    public void Hiding_the_usage_chunk_removes_exactly_its_frame_wherever_the_reads_are_cut()
    {
        Prop.ForAll(Streams.ToArbitrary(), Gen.ListOf(Gen.Choose(1, 40)).ToArbitrary(), (frames, cuts) =>
        {
            var stream = string.Concat(frames) + $"data: {Usage}\n\ndata: [DONE]\n\n";
            var hider = new UsageChunkHider();
            var relayed = new List<byte>();
            foreach (var read in Cut(Encoding.UTF8.GetBytes(stream), cuts))
            {
                relayed.AddRange(hider.Process(read).ToArray());
            }
            relayed.AddRange(hider.Flush().ToArray());

            return Encoding.UTF8.GetString([.. relayed]) == string.Concat(frames) + "data: [DONE]\n\n";
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void A_read_that_ends_right_after_the_usage_line_still_loses_the_blank_line_after_it()
    {
        var hider = new UsageChunkHider();

        var first = hider.Process(Encoding.UTF8.GetBytes($"data: {Usage}\n"));
        var second = hider.Process(Encoding.UTF8.GetBytes("\ndata: [DONE]\n\n"));

        Assert.Equal("data: [DONE]\n\n", Encoding.UTF8.GetString([.. first.ToArray(), .. second.ToArray()]));
    }

    [Fact]
    public void The_meter_reads_the_usage_and_the_end_wherever_the_reads_are_cut()
    {
        Prop.ForAll(Streams.ToArbitrary(), Gen.ListOf(Gen.Choose(1, 40)).ToArbitrary(), (frames, cuts) =>
        {
            var stream = string.Concat(frames) + $"data: {Usage}\n\ndata: [DONE]\n\n";
            using var scanner = new ChatUsageScanner(captureFinalAnswer: true);
            foreach (var read in Cut(Encoding.UTF8.GetBytes(stream), cuts))
            {
                scanner.Observe(read.Span);
            }

            var text = JsonDocument.Parse(scanner.FinalAnswer!).RootElement.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString();
            return scanner.Ended && scanner.Usage is { InputTokens: 11, OutputTokens: 4 } && text == string.Concat(frames.Select(ContentOf));
        }).QuickCheckThrowOnFailure();
    }

    /// <summary>Text chunks (some with CRLF line ends, as some servers send), then one with the finish reason.</summary>
    private static Gen<List<string>> Streams =>
        from texts in Gen.ListOf(Gen.Elements("a", "é ✓", "\"usage\":{ in text", "line\nbreak", ""))
        from crlf in Gen.Elements(true, false)
        select texts.Select(t => Frame($$"""{"id":"c","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":{{JsonSerializer.Serialize(t)}}},"finish_reason":null}]}""", crlf))
            .Append(Frame("""{"id":"c","object":"chat.completion.chunk","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}""", crlf))
            .ToList();

    private static string Frame(string json, bool crlf) => crlf ? $"data: {json}\r\n\r\n" : $"data: {json}\n\n";

    private static string ContentOf(string frame) =>
        JsonDocument.Parse(frame["data: ".Length..].Trim()).RootElement.GetProperty("choices")[0].GetProperty("delta") is var delta && delta.TryGetProperty("content", out var c) ? c.GetString()! : "";

    private static IEnumerable<ReadOnlyMemory<byte>> Cut(byte[] bytes, List<int> cuts)
    {
        var at = 0;
        foreach (var cut in cuts.Append(bytes.Length))
        {
            var length = Math.Min(cut, bytes.Length - at);
            yield return bytes.AsMemory(at, length);
            at += length;
            if (at == bytes.Length)
            {
                yield break;
            }
        }
    }
}
