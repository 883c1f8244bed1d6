using System.Text.Encodings.Web;
using System.Text.Json;
using GenAiRouter.Bridge.Translation;
using GenAiRouter.Contracts.V1;
using Google.Protobuf;

namespace GenAiRouter.Bridge.Tests;

/// <summary>
/// Responses requests (one captured from Codex 0.169.0, the others built from the OpenAI reference) translated for a
/// chat target and compared byte for byte with the checked-in chat requests in golden/. After an intended change,
/// regenerate with GOLDEN_UPDATE=1 and review the diff.
/// </summary>
public sealed class ChatRequestGoldenTests
{
    private static readonly string Golden = Path.Combine(RouterProcess.RepoRoot, "tests", "services", "bridge", "golden");
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static TheoryData<string> Cases => new(Directory.EnumerateFiles(Golden, "*.case.json").Select(p => Path.GetFileName(p)[..^".case.json".Length]).Order());

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task The_chat_request_matches_the_golden_file(string name)
    {
        using var testCase = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(Golden, $"{name}.case.json")));
        var target = JsonParser.Default.Parse<Target>(testCase.RootElement.GetProperty("target").GetRawText());

        var chat = ChatRequestBuilder.Build(testCase.RootElement.GetProperty("request"), target);

        var actual = JsonSerializer.Serialize(JsonDocument.Parse(chat.Json).RootElement, Indented) + "\n";
        var expectedPath = Path.Combine(Golden, $"{name}.chat.json");
        if (Environment.GetEnvironmentVariable("GOLDEN_UPDATE") == "1")
        {
            await File.WriteAllTextAsync(expectedPath, actual);
        }
        Assert.Equal(await File.ReadAllTextAsync(expectedPath), actual);
    }
}
