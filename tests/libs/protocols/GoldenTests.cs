using System.Text.Encodings.Web;
using System.Text.Json;
using GenAiRouter.Contracts.V1;
using GenAiRouter.Protocols;
using GenAiRouter.Protocols.Canonical;
using GenAiRouter.Protocols.Chat;
using GenAiRouter.Protocols.Responses;
using Google.Protobuf;

namespace GenAiRouter.Protocols.Tests;

/// <summary>
/// Requests captured from real clients (or built from the API references) translated for a target of another protocol,
/// and answer streams translated back, compared byte for byte with the checked-in files in golden/. After an intended
/// change, regenerate with GOLDEN_UPDATE=1 and review the diff.
/// </summary>
public sealed class GoldenTests
{
    private static readonly string Golden = Path.Combine(RouterProcess.RepoRoot, "tests", "libs", "protocols", "golden");
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static TheoryData<string> Cases => new(Directory.EnumerateFiles(Golden, "*.case.json").Select(p => Path.GetFileName(p)[..^".case.json".Length]).Order());

    private static readonly Dictionary<string, Protocol> Protocols = new() { ["responses"] = Protocol.Responses, ["chat"] = Protocol.Chat, ["messages"] = Protocol.Messages };

    /// <summary>
    /// A case names the caller's protocol (<c>from</c>, Responses unless said) and the target; the expected request is
    /// in the target protocol's file, <c>name.chat.json</c>, <c>name.responses.json</c> or <c>name.messages.json</c>.
    /// </summary>
    [Theory]
    [MemberData(nameof(Cases))]
    public async Task The_target_request_matches_the_golden_file(string name)
    {
        using var testCase = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(Golden, $"{name}.case.json")));
        var target = JsonParser.Default.Parse<Target>(testCase.RootElement.GetProperty("target").GetRawText());
        var from = testCase.RootElement.TryGetProperty("from", out var door) ? Protocols[door.GetString()!] : Protocol.Responses;

        var conversation = ProtocolAdapters.For(from).ReadRequest(testCase.RootElement.GetProperty("request"));
        var translated = ProtocolAdapters.For(target.Api).WriteRequest(conversation, target);

        var actual = JsonSerializer.Serialize(JsonDocument.Parse(translated.Json).RootElement, Indented) + "\n";
        var expectedPath = Path.Combine(Golden, $"{name}.{Protocols.Single(p => p.Value == target.Api).Key}.json");
        if (Environment.GetEnvironmentVariable("GOLDEN_UPDATE") == "1")
        {
            await File.WriteAllTextAsync(expectedPath, actual);
        }
        Assert.Equal(await File.ReadAllTextAsync(expectedPath), actual);
    }

    [Theory]
    [InlineData("""{"model":"g","input":[{"type":"function_call","call_id":"c","name":"f","arguments":{"x":1}}]}""", "A function_call's 'arguments' must be a JSON string.")]
    [InlineData("""{"model":"g","input":[{"type":"function_call","name":"f","arguments":"{}"}]}""", "An item is missing its 'call_id'.")]
    [InlineData("""{"model":"g","input":[{"role":"user","content":[{"type":"input_image","image_url":"https://x/y.png"}]}]}""", "The target 'text-only' is not validated for images through the bridge.")]
    [InlineData("""{"model":"g","input":[{"role":"user","content":[{"type":"input_file","file_id":"f"}]}]}""", "Message content of type 'input_file' cannot be translated for a target of another protocol.")]
    [InlineData("""{"model":"g","input":42}""", "'input' must be a string or a list of items.")]
    [InlineData("""{"model":"g","input":"x","tools":[{"type":"custom","name":"apply_patch"}]}""", "Tools of type 'custom' cannot be translated for a target of another protocol.")]
    [InlineData("""{"model":"g","input":"x","tools":[{"type":"web_search"}]}""", "Tools of type 'web_search' cannot be sent to this chat target.")]
    public void Requests_a_chat_target_cannot_take_are_refused_with_the_reason(string request, string message)
    {
        var target = new Target { Name = "text-only", Api = Protocol.Chat, Model = "m", ResponsesToChat = new ResponsesToChat { Streaming = true } };

        var e = Assert.Throws<TranslationException>(() => ChatRequestWriter.Write(ResponsesRequestReader.Read(JsonDocument.Parse(request).RootElement), target));

        Assert.Equal(message, e.Message);
    }

    /// <summary>A target's answer stream in one protocol, as a caller of another protocol gets it.</summary>
    [Theory]
    [InlineData("claude-tool-use", "messages", "responses")]
    [InlineData("claude-tool-use", "messages", "chat")]
    [InlineData("claude-thinking", "messages", "responses")]
    [InlineData("claude-thinking", "messages", "chat")]
    [InlineData("parallel-tools", "chat", "messages")]
    [InlineData("parallel-tools", "responses", "messages")]
    public async Task The_answer_stream_matches_the_golden_file(string name, string from, string to)
    {
        var data = (await File.ReadAllLinesAsync(Path.Combine(Golden, $"{name}.{from}-stream.txt")))
            .Where(l => l.StartsWith("data: ", StringComparison.Ordinal)).Select(l => System.Text.Encoding.UTF8.GetBytes(l["data: ".Length..]));
        var reader = ProtocolAdapters.For(Protocols[from]).NewAnswerReader(new ToolNames());
        var writer = ProtocolAdapters.For(Protocols[to]).NewAnswerWriter(new AnswerContext("answer_1", "coder", 1_790_000_000, Stream: true, StreamUsage: true));
        var output = new System.Buffers.ArrayBufferWriter<byte>();
        writer.Start(output);
        foreach (var payload in data)
        {
            writer.WriteAll(reader.OnData(payload), output);
        }
        writer.WriteAll(reader.OnEnd(), output);

        var actual = System.Text.Encoding.UTF8.GetString(output.WrittenSpan);
        var expectedPath = Path.Combine(Golden, $"{name}.{to}-stream.txt");
        if (Environment.GetEnvironmentVariable("GOLDEN_UPDATE") == "1" && !(name == "parallel-tools" && to == "responses"))
        {
            await File.WriteAllTextAsync(expectedPath, actual);
        }
        Assert.Equal(await File.ReadAllTextAsync(expectedPath), actual);
    }

    [Fact]
    public async Task A_chat_stream_with_parallel_tool_calls_becomes_the_golden_responses_stream()
    {
        var chunks = (await File.ReadAllLinesAsync(Path.Combine(Golden, "parallel-tools.chat-stream.txt")))
            .Where(l => l.StartsWith("data: {", StringComparison.Ordinal))
            .Select(l => l["data: ".Length..]);

        var events = ChatToResponsesAnswerTests.Events(sawDone: true, new ToolNames(), chunks);
        var actual = string.Concat(events.Select(e => $"event: {e.Type}\ndata: {System.Text.Encoding.UTF8.GetString(e.Json)}\n\n"));

        var expectedPath = Path.Combine(Golden, "parallel-tools.responses-stream.txt");
        if (Environment.GetEnvironmentVariable("GOLDEN_UPDATE") == "1")
        {
            await File.WriteAllTextAsync(expectedPath, actual);
        }
        Assert.Equal(await File.ReadAllTextAsync(expectedPath), actual);
    }
}
