using System.Text;
using GenAiRouter.Ingress.Caching;
using GenAiRouter.Ingress.Doors;
using GenAiRouter.Ingress.Doors.Responses;

namespace GenAiRouter.Ingress.Tests;

/// <summary>
/// Allocation budgets for the per-request pieces of the hot path, so a change that, say, parses the whole body into
/// a document shows up as a failing test rather than as a slower router. Bytes are counted, not time: the counts
/// are the same on every machine. The budgets are about twice what bench/micro measured (BENCHMARKS.md).
/// </summary>
public sealed class HotPathAllocationTests
{
    private static readonly byte[] Codex = File.ReadAllBytes(Path.Combine(RouterProcess.RepoRoot, "bench", "data", "codex-request.json"));
    private static readonly byte[] Short = """{"model":"coder","input":"Say hello in five words.","stream":true}"""u8.ToArray();

    [Fact]
    public void Reading_a_40_KB_Codex_request_allocates_a_few_kilobytes_not_a_copy_of_it() =>
        Assert.InRange(BytesPerCall(() => ResponsesRequestClassifier.Classify(Codex)), 0, 3 * 1024);

    [Fact]
    public void Reading_a_short_request_allocates_under_a_kilobyte() =>
        Assert.InRange(BytesPerCall(() => ResponsesRequestClassifier.Classify(Short)), 0, 1024);

    [Fact]
    public void Swapping_the_model_name_copies_the_body_once()
    {
        var model = ResponsesRequestClassifier.Classify(Codex).ModelValue;

        Assert.InRange(BytesPerCall(() => ModelSwap.Apply(Codex, model, "gpt-5.1-codex")), Codex.Length, Codex.Length + 1024);
    }

    [Fact]
    public void Watching_a_stream_for_usage_parses_only_its_terminal_event()
    {
        var deltas = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Range(0, 200).Select(i =>
            $"event: response.output_text.delta\ndata: {{\"type\":\"response.output_text.delta\",\"sequence_number\":{i},\"delta\":\"word \"}}\n\n")));
        using var scanner = new ResponsesUsageScanner();

        Assert.InRange(BytesPerCall(() => scanner.Observe(deltas)), 0, 64);
    }

    [Fact]
    public void A_cache_key_costs_a_few_kilobytes() =>
        Assert.InRange(BytesPerCall(() => ResponseCachePolicy.Key("web", "dev", "coder", new ResponsesDoor(), Short)), 0, 4 * 1024);

    private static long BytesPerCall(Action call)
    {
        for (var i = 0; i < 20; i++)
        {
            call();
        }
        const int Calls = 200;
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < Calls; i++)
        {
            call();
        }
        return (GC.GetAllocatedBytesForCurrentThread() - before) / Calls;
    }
}
