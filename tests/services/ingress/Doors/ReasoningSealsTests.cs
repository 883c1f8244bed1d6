using System.Text;
using System.Text.Json;
using GenAiRouter.Contracts.V1;
using GenAiRouter.Ingress.Doors;
using GenAiRouter.Ingress.Doors.Responses;

namespace GenAiRouter.Ingress.Tests.Doors;

/// <summary>Sealing encrypted reasoning with its boundary on the way out, and unsealing or leaving it out on the way in.</summary>
public sealed class ReasoningSealsTests
{
    private static readonly Target AccountA = new() { Name = "a", BaseUrl = "https://a.example/v1", ApiKeyEnv = "KEY_A", ReasoningBoundary = "https://a.example/v1|KEY_A" };
    private static readonly Target AccountB = new() { Name = "b", BaseUrl = "https://b.example/v1", ApiKeyEnv = "KEY_B", ReasoningBoundary = "https://b.example/v1|KEY_B" };
    private static readonly Target AlsoA = new() { Name = "a2", BaseUrl = "https://a.example/v1", ApiKeyEnv = "KEY_A", ReasoningBoundary = "https://a.example/v1|KEY_A" };
    private static readonly ReadOnlyMemory<byte> Field = "encrypted_content"u8.ToArray();

    [Fact]
    public void Targets_of_one_account_share_a_tag_and_the_tag_reveals_nothing_of_it()
    {
        var tag = Text(ReasoningSeals.TagOf(AccountA));

        Assert.Equal(tag, Text(ReasoningSeals.TagOf(AlsoA)));
        Assert.NotEqual(tag, Text(ReasoningSeals.TagOf(AccountB)));
        Assert.Matches("^rtr1:[0-9a-f]{12}:$", tag);
        Assert.DoesNotContain("a.example", tag, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_encrypted_value_of_an_answer_is_sealed_and_nothing_else_changes()
    {
        var answer = """{"output":[{"type":"reasoning","encrypted_content" : "gAAA1"},{"type":"message","content":[{"text":"\"encrypted_content\":\"not a field\""}]},{"encrypted_content":null}],"x":{"encrypted_content":"gAAA2"}}""";

        var sealedAnswer = Text(ReasoningSeals.Seal(Encoding.UTF8.GetBytes(answer), Field.Span, ReasoningSeals.TagOf(AccountA).Span)!);

        var tag = Text(ReasoningSeals.TagOf(AccountA));
        Assert.Equal(answer.Replace("\"gAAA1\"", $"\"{tag}gAAA1\"", StringComparison.Ordinal).Replace("\"gAAA2\"", $"\"{tag}gAAA2\"", StringComparison.Ordinal), sealedAnswer);
        Assert.Null(ReasoningSeals.Seal("""{"output":[]}"""u8, Field.Span, ReasoningSeals.TagOf(AccountA).Span));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(5)]
    [InlineData(17)]
    [InlineData(100_000)]
    public void A_stream_sealed_in_pieces_reads_the_same_as_when_sealed_whole(int pieceSize)
    {
        var stream = Encoding.UTF8.GetBytes(string.Concat(
            "event: response.output_text.delta\ndata: {\"type\":\"response.output_text.delta\",\"delta\":\"hi\"}\n\n",
            "event: response.output_item.done\ndata: {\"type\":\"response.output_item.done\",\"item\":{\"type\":\"reasoning\",\"encrypted_content\":\"gAAAblob\"}}\n\n",
            "event: response.completed\ndata: {\"type\":\"response.completed\",\"response\":{\"output\":[{\"encrypted_content\":\"gAAAblob\"}]}}\n\n"));
        var sealer = new ResponsesDoor().Rewriter(ResponsesRequestClassifier.Classify("""{"model":"g"}"""u8), AccountA)!;
        var output = new List<byte>();

        for (var i = 0; i < stream.Length; i += pieceSize)
        {
            output.AddRange(sealer.Process(stream.AsMemory(i, Math.Min(pieceSize, stream.Length - i))).ToArray());
        }
        output.AddRange(sealer.Flush().ToArray());

        Assert.Equal(Text(ReasoningSeals.Seal(stream, Field.Span, ReasoningSeals.TagOf(AccountA).Span)!), Encoding.UTF8.GetString([.. output]));
    }

    public static TheoryData<string, string, string, int> Histories => new()
    {
        // Own reasoning is unsealed, and kept.
        { "[{R:A:1},{\"type\":\"function_call\"}]", "a", "[{\"type\":\"reasoning\",\"encrypted_content\":\"e1\"},{\"type\":\"function_call\"}]", 0 },
        // Another account's is left out, wherever it sits and however many follow each other.
        { "[{R:B:1},{\"type\":\"function_call\"}]", "a", "[{\"type\":\"function_call\"}]", 1 },
        { "[{\"role\":\"user\"},{R:B:1}]", "a", "[{\"role\":\"user\"}]", 1 },
        { "[{\"role\":\"user\"}, {R:B:1} ,{R:B:2}, {\"x\":1}]", "a", "[{\"role\":\"user\"}, {\"x\":1}]", 2 },
        { "[{R:B:1},{R:B:2}]", "a", "[]", 2 },
        { "[{R:B:1},{R:A:2},{R:B:3}]", "a", "[{\"type\":\"reasoning\",\"encrypted_content\":\"e2\"}]", 2 },
        { "[{R:B:1},{R:A:2},{R:B:3}]", "b", "[{\"type\":\"reasoning\",\"encrypted_content\":\"e1\"},{\"type\":\"reasoning\",\"encrypted_content\":\"e3\"}]", 1 },
        // What no router sealed goes as it is.
        { "[{\"type\":\"reasoning\",\"encrypted_content\":\"gAAAraw\"}]", "b", "[{\"type\":\"reasoning\",\"encrypted_content\":\"gAAAraw\"}]", 0 },
    };

    [Theory]
    [MemberData(nameof(Histories))]
    public void A_history_is_made_fit_for_the_target_it_goes_to(string input, string target, string expected, int leftOut)
    {
        var body = Encoding.UTF8.GetBytes($$"""{"model":"g","input":{{Expand(input)}}}""");
        var request = ResponsesRequestClassifier.Classify(body);
        var edits = new List<BodyEdit> { ModelSwap.Edit(body.Length, request.ModelValue, "m") };

        var dropped = ReasoningSeals.Unseal(request.Sealed ?? [], target == "a" ? AccountA : AccountB, edits);
        var sent = Encoding.UTF8.GetString(BodyEdit.Apply(body, edits));

        Assert.Equal($$"""{"model":"m","input":{{expected}}}""", sent);
        Assert.Equal(leftOut, dropped);
        Assert.Equal(JsonValueKind.Object, JsonDocument.Parse(sent).RootElement.ValueKind);
    }

    /// <summary>{R:A:1} is a reasoning item sealed by account A holding e1.</summary>
    private static string Expand(string input) =>
        System.Text.RegularExpressions.Regex.Replace(input, @"\{R:(A|B):(\d)\}", m =>
            $$"""{"type":"reasoning","encrypted_content":"{{Text(ReasoningSeals.TagOf(m.Groups[1].Value == "A" ? AccountA : AccountB))}}e{{m.Groups[2].Value}}"}""");

    private static string Text(ReadOnlyMemory<byte> bytes) => Encoding.UTF8.GetString(bytes.Span);

    private static string Text(byte[] bytes) => Encoding.UTF8.GetString(bytes);
}
