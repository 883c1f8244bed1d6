using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using GenAiRouter.RouterConfig;

namespace GenAiRouter.Cli.Validate;

/// <summary>One ability of a chat target: proved or not, and what showed it.</summary>
public sealed record Probe(string Ability, bool Proved, string Evidence);

/// <summary>
/// `genai-router validate target NAME`: calls one chat target of the configuration directly, once for each ability the
/// bridge gates on, and says which it proved. Only a proved ability becomes a capability or a <c>responses_to_chat</c>
/// flag; <c>previous_response_id</c> never does (Chat Completions keeps no responses), and <c>drop_hosted_tools</c> is
/// a policy for the operator, not an ability.
/// </summary>
public sealed class TargetProbe(HttpClient http, TargetConfig target, string? apiKey)
{
    public const string Text = "text";
    public const string Tools = "tools";
    public const string Streaming = "streaming";
    public const string Reasoning = "reasoning";
    public const string Images = "images";
    public const string StructuredOutput = "structured_output";
    public const string PreviousResponseId = "previous_response_id";

    public async Task<IReadOnlyList<Probe>> RunAsync(CancellationToken cancellationToken)
    {
        var probes = new List<Probe> { await TextAsync(cancellationToken) };
        if (!probes[0].Proved)
        {
            return probes; // nothing else can be told about a target that does not answer
        }
        probes.Add(await ToolsAsync(cancellationToken));
        probes.Add(await StreamingAsync(probes[^1].Proved, cancellationToken));
        probes.Add(await ReasoningAsync(cancellationToken));
        probes.Add(await ImagesAsync(cancellationToken));
        probes.Add(await StructuredOutputAsync(cancellationToken));
        probes.Add(new Probe(PreviousResponseId, false, "never for a chat target: Chat Completions keeps no stored responses to continue from"));
        return probes;
    }

    /// <summary>The configuration that follows from the probes: the capabilities and the bridge's flags, each only if proved.</summary>
    public static string Configuration(string name, IReadOnlyList<Probe> probes, DateTimeOffset at)
    {
        bool Proved(string ability) => probes.Any(p => p.Ability == ability && p.Proved);
        var capabilities = new[] { Tools, Streaming, Reasoning, Images, StructuredOutput }.Where(Proved).ToList();
        static string Flag(bool value) => value ? "true" : "false";
        return $"""
            # target {name}: proved by genai-router validate target on {at.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)} UTC
            capabilities: [{string.Join(", ", capabilities)}]
            responses_to_chat:
              streaming: {Flag(Proved(Streaming))}
              reasoning: {Flag(Proved(Reasoning))}
              images: {Flag(Proved(Images))}
              structured_output: {Flag(Proved(StructuredOutput))}
              previous_response_id: false
              drop_hosted_tools: false   # a policy, not an ability: set it to drop hosted tools instead of refusing them

            """;
    }

    private async Task<Probe> TextAsync(CancellationToken cancellationToken)
    {
        var (status, body) = await PostAsync(Request("Reply with exactly the word ROUTER-PROBE and nothing else."), cancellationToken);
        var content = status == 200 ? Content(body) : null;
        return content is { Length: > 0 }
            ? new Probe(Text, true, $"200, answered: {DeploymentValidation.Shorten(content, 120)}")
            : new Probe(Text, false, $"{status}: {DeploymentValidation.Shorten(body, 300)}");
    }

    private async Task<Probe> ToolsAsync(CancellationToken cancellationToken)
    {
        var request = WithTools(Request("Call get_weather for Paris and, in the same answer, get_weather for Rome. Do not answer in text."));
        var (status, body) = await PostAsync(request, cancellationToken);
        if (status != 200)
        {
            return new Probe(Tools, false, $"{status}: {DeploymentValidation.Shorten(body, 300)}");
        }
        var calls = ToolCalls(body);
        var valid = calls.Where(c => ValidArguments(c.Arguments)).ToList();
        return valid.Count > 0
            ? new Probe(Tools, true, $"{valid.Count} call(s) to {string.Join(", ", valid.Select(c => c.Name).Distinct())} with JSON arguments{(valid.Count > 1 ? ", in parallel" : "")}")
            : new Probe(Tools, false, calls.Count == 0 ? $"no tool call in the answer: {DeploymentValidation.Shorten(body, 300)}" : $"arguments are not a JSON object: {calls[0].Arguments}");
    }

    /// <summary>
    /// Streamed text with usage at the end, and (for a target that calls tools at all) a streamed tool call whose
    /// arguments come in pieces and add up to JSON.
    /// </summary>
    private async Task<Probe> StreamingAsync(bool callsTools, CancellationToken cancellationToken)
    {
        var text = Request("Count from one to five in words.");
        text["stream"] = true;
        text["stream_options"] = new JsonObject { ["include_usage"] = true };
        var (status, body) = await PostAsync(text, cancellationToken);
        var chunks = status == 200 ? Chunks(body) : null;
        if (chunks is null)
        {
            return new Probe(Streaming, false, $"{status}: {DeploymentValidation.Shorten(body, 300)}");
        }
        if (!body.Contains("data: [DONE]", StringComparison.Ordinal))
        {
            return new Probe(Streaming, false, "the stream did not end with data: [DONE]");
        }
        if (!chunks.Any(c => c["usage"] is JsonObject))
        {
            return new Probe(Streaming, false, "no usage in the stream (stream_options.include_usage)");
        }
        if (!callsTools)
        {
            return new Probe(Streaming, true, $"{chunks.Count} text chunks ending in usage and [DONE]; tool calls not streamed (the target made none unstreamed)");
        }
        var tools = WithTools(Request("Call get_weather for Paris. Do not answer in text."));
        tools["stream"] = true;
        tools["stream_options"] = new JsonObject { ["include_usage"] = true };
        (status, body) = await PostAsync(tools, cancellationToken);
        var toolChunks = status == 200 ? Chunks(body) : null;
        if (toolChunks is null)
        {
            return new Probe(Streaming, false, $"streamed tool call: {status}: {DeploymentValidation.Shorten(body, 300)}");
        }
        var pieces = new Dictionary<int, (int Pieces, StringBuilder Arguments)>();
        foreach (var call in toolChunks.SelectMany(c => c["choices"]?.AsArray() ?? []).Select(c => c?["delta"]?["tool_calls"]).OfType<JsonArray>().SelectMany(a => a).OfType<JsonObject>())
        {
            var index = call["index"]?.GetValue<int>() ?? 0;
            var piece = call["function"]?["arguments"]?.GetValue<string>() ?? "";
            var (count, arguments) = pieces.GetValueOrDefault(index, (0, new StringBuilder()));
            pieces[index] = (piece.Length > 0 ? count + 1 : count, arguments.Append(piece));
        }
        if (pieces.Count == 0)
        {
            return new Probe(Streaming, false, "a streamed answer carried no tool call where the same request unstreamed did");
        }
        if (pieces.Values.FirstOrDefault(p => !ValidArguments(p.Arguments.ToString())) is { Arguments: not null } broken)
        {
            return new Probe(Streaming, false, $"streamed tool arguments do not add up to a JSON object: {DeploymentValidation.Shorten(broken.Arguments.ToString(), 200)}");
        }
        return new Probe(Streaming, true,
            $"{chunks.Count} text chunks ending in usage and [DONE]; a tool call's arguments in {pieces.Values.Max(p => p.Pieces)} piece(s), adding up to JSON");
    }

    private async Task<Probe> ReasoningAsync(CancellationToken cancellationToken)
    {
        if (target.Reasoning?.Param is not { Length: > 0 } param || target.Reasoning.Levels.Count == 0)
        {
            return new Probe(Reasoning, false, "not probed: the target names no reasoning.param and levels to send");
        }
        var level = target.Reasoning.Default ?? target.Reasoning.Levels[0];
        var request = Request("What is 17 times 3? Reply with the number only.");
        request[param] = level;
        var (status, body) = await PostAsync(request, cancellationToken);
        if (status != 200 || Content(body) is not { Length: > 0 } answer)
        {
            return new Probe(Reasoning, false, $"{param}: \"{level}\" got {status}: {DeploymentValidation.Shorten(body, 300)}");
        }
        var reasoned = JsonNode.Parse(body)?["choices"]?[0]?["message"]?["reasoning_content"] is not null;
        return new Probe(Reasoning, true, $"{param}: \"{level}\" accepted; answered {DeploymentValidation.Shorten(answer, 60)}{(reasoned ? ", with reasoning_content" : "")}");
    }

    private async Task<Probe> ImagesAsync(CancellationToken cancellationToken)
    {
        var request = Request("");
        request["messages"] = new JsonArray(new JsonObject
        {
            ["role"] = "user",
            ["content"] = new JsonArray(
                new JsonObject { ["type"] = "text", ["text"] = "What is the merchant's name on this receipt? Reply with the name only." },
                new JsonObject { ["type"] = "image_url", ["image_url"] = new JsonObject { ["url"] = "data:image/png;base64," + Convert.ToBase64String(ReceiptImage.Png()) } }),
        });
        var (status, body) = await PostAsync(request, cancellationToken);
        var answer = status == 200 ? Content(body) ?? "" : "";
        return answer.Contains("BLUE HARBOR", StringComparison.OrdinalIgnoreCase)
            ? new Probe(Images, true, $"read the receipt: {DeploymentValidation.Shorten(answer, 80)}")
            : new Probe(Images, false, status == 200 ? $"did not name the merchant ({ReceiptImage.Merchant}): {DeploymentValidation.Shorten(answer, 200)}" : $"{status}: {DeploymentValidation.Shorten(body, 300)}");
    }

    private async Task<Probe> StructuredOutputAsync(CancellationToken cancellationToken)
    {
        var request = Request("Greet the user.");
        request["response_format"] = JsonNode.Parse("""
            {"type":"json_schema","json_schema":{"name":"greeting","strict":true,"schema":{"type":"object","properties":{"greeting":{"type":"string"}},"required":["greeting"],"additionalProperties":false}}}
            """);
        var (status, body) = await PostAsync(request, cancellationToken);
        var content = status == 200 ? Content(body) : null;
        if (content is null)
        {
            return new Probe(StructuredOutput, false, $"{status}: {DeploymentValidation.Shorten(body, 300)}");
        }
        try
        {
            var json = JsonNode.Parse(content) as JsonObject;
            var matches = json is { Count: 1 } && json["greeting"] is JsonValue greeting && greeting.TryGetValue<string>(out _);
            return new Probe(StructuredOutput, matches, matches ? $"answered {DeploymentValidation.Shorten(content, 80)}, as the schema says" : $"JSON that does not match the schema: {DeploymentValidation.Shorten(content, 200)}");
        }
        catch (JsonException)
        {
            return new Probe(StructuredOutput, false, $"not JSON: {DeploymentValidation.Shorten(content, 200)}");
        }
    }

    private JsonObject Request(string prompt) => new()
    {
        ["model"] = target.Model,
        ["max_tokens"] = 256,
        ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = prompt }),
    };

    private static JsonObject WithTools(JsonObject request)
    {
        request["tools"] = JsonNode.Parse("""
            [{"type":"function","function":{"name":"get_weather","description":"The weather in a city","parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}}]
            """);
        request["parallel_tool_calls"] = true;
        return request;
    }

    private async Task<(int Status, string Body)> PostAsync(JsonObject request, CancellationToken cancellationToken)
    {
        using var post = new HttpRequestMessage(HttpMethod.Post, target.BaseUrl!.TrimEnd('/') + "/chat/completions")
        {
            Content = new StringContent(request.ToJsonString(), Encoding.UTF8, "application/json"),
        };
        if (apiKey is not null)
        {
            post.Headers.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        }
        try
        {
            using var response = await http.SendAsync(post, cancellationToken);
            return ((int)response.StatusCode, Redact(await response.Content.ReadAsStringAsync(cancellationToken)));
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return (0, $"the target could not be reached: {e.Message}");
        }
    }

    // An upstream that echoes the request's headers must not put the key into the evidence.
    private string Redact(string text) => apiKey is { Length: > 0 } ? text.Replace(apiKey, "[upstream key]", StringComparison.Ordinal) : text;

    private static string? Content(string body)
    {
        try
        {
            return JsonNode.Parse(body)?["choices"]?[0]?["message"]?["content"]?.GetValue<string>();
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            return null;
        }
    }

    private static List<(string Name, string Arguments)> ToolCalls(string body)
    {
        try
        {
            return (JsonNode.Parse(body)?["choices"]?[0]?["message"]?["tool_calls"]?.AsArray() ?? [])
                .Select(c => (c?["function"]?["name"]?.GetValue<string>() ?? "", c?["function"]?["arguments"]?.GetValue<string>() ?? "")).ToList();
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            return [];
        }
    }

    /// <summary>The data of each SSE event of a Chat Completions stream, or null when it is not one.</summary>
    private static List<JsonObject>? Chunks(string body)
    {
        try
        {
            var chunks = body.Split('\n').Where(l => l.StartsWith("data: ", StringComparison.Ordinal) && l != "data: [DONE]")
                .Select(l => JsonNode.Parse(l["data: ".Length..]) as JsonObject).OfType<JsonObject>().ToList();
            return chunks.Count > 0 ? chunks : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static bool ValidArguments(string arguments)
    {
        try
        {
            return JsonNode.Parse(arguments) is JsonObject;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
