using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace GenAiRouter.Ingress.Tests;

/// <summary>
/// A corpus of bad requests against the real router: text that is not Unicode in every string of a real Codex turn,
/// lone surrogates, wrong types for every known field, huge strings, bodies at and around the limit. Each gets a 4xx in
/// OpenAI's shape: never a 5xx, never an empty body, never a stack trace in the router's output.
/// </summary>
public sealed class BadInputTests : IAsyncLifetime
{
    private const int LimitMb = 24;
    private static readonly byte[] Codex = File.ReadAllBytes(Path.Combine(RouterProcess.RepoRoot, "bench", "data", "codex-request.json"));
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(60) };
    private ScriptedUpstream _upstream = null!;
    private LocalRouter _router = null!;
    private string _token = "";

    public async ValueTask InitializeAsync()
    {
        _upstream = await ScriptedUpstream.StartAsync();
        _router = await LocalRouter.StartAsync($$"""
            limits: { max_body_mb: {{LimitMb}} }
            groups:
              coder:
                reasoning: { levels: [low, medium, high], default: medium }
                targets:
                  - { name: up, api: responses, base_url: {{_upstream.BaseUrl}}, model: m, capabilities: [tools, hosted_tools, reasoning, images, streaming, structured_output] }
            """);
        _token = await _router.IssueTokenAsync("--groups", "coder", "--reasoning", "coder");
    }

    [Fact]
    public async Task Invalid_utf8_in_any_string_of_a_real_codex_turn_is_a_400_before_anything_is_routed()
    {
        var strings = StringValueOffsets(Codex);
        Assert.True(strings.Count > 100, "the Codex turn has strings everywhere");
        var before = _upstream.Received.Count;

        // Every string value and every property name of the turn, one at a time (a sample of every seventh keeps it quick).
        foreach (var offset in strings.Where((_, i) => i % 7 == 0))
        {
            var body = (byte[])Codex.Clone();
            body[offset] = 0xFF;
            await AssertRefusedAsync(await PostAsync(body), 400, "invalid_encoding");
        }
        Assert.Equal(before, _upstream.Received.Count);
    }

    [Theory]
    [InlineData("\\ud800")]
    [InlineData("\\udfff")]
    [InlineData("x\\ud83d")]
    [InlineData("\\ud83d\\u0041")]
    public async Task A_lone_surrogate_anywhere_is_a_400(string escape)
    {
        foreach (var json in new[]
        {
            $$$"""{"model":"coder","input":"{{{escape}}}"}""",
            $$$"""{"model":"coder","input":[{"role":"user","content":[{"type":"input_text","text":"{{{escape}}}"}]}]}""",
            $$$"""{"model":"coder","input":"hi","metadata":{"{{{escape}}}":"v"}}""",
            $$$"""{"model":"coder","input":"hi","tools":[{"type":"function","name":"f","description":"{{{escape}}}"}]}""",
            $$$"""{"model":"{{{escape}}}","input":"hi"}""",
        })
        {
            await AssertRefusedAsync(await PostAsync(json), 400, "invalid_encoding");
        }
    }

    /// <summary>Each field the Responses API defines, with values of kinds it may not hold.</summary>
    public static TheoryData<string, string> WrongTypes => new()
    {
        { "model", "42" }, { "model", "null" }, { "input", "42" }, { "input", "{}" }, { "stream", "\"yes\"" }, { "stream", "1" },
        { "store", "\"no\"" }, { "background", "[]" }, { "previous_response_id", "7" }, { "tools", "{}" }, { "tools", "\"all\"" },
        { "tools", "[1]" }, { "reasoning", "\"high\"" }, { "reasoning", "[]" }, { "text", "\"json\"" }, { "instructions", "[]" },
        { "instructions", "{}" }, { "tool_choice", "3" }, { "parallel_tool_calls", "\"yes\"" }, { "max_output_tokens", "\"100\"" },
        { "max_output_tokens", "true" }, { "temperature", "\"hot\"" }, { "top_p", "[]" }, { "metadata", "\"m\"" }, { "include", "\"all\"" },
        { "prompt_cache_key", "5" }, { "user", "{}" }, { "truncation", "false" }, { "service_tier", "1" }, { "stream_options", "true" },
    };

    [Theory]
    [MemberData(nameof(WrongTypes))]
    public async Task A_known_field_of_the_wrong_type_is_a_400_naming_it(string field, string value)
    {
        var json = field == "model" ? $$"""{"model":{{value}},"input":"hi"}""" : $$"""{"model":"coder","input":"hi","{{field}}":{{value}}}""";

        var error = await AssertRefusedAsync(await PostAsync(json), 400, "invalid_type");

        Assert.StartsWith(field, error.GetProperty("param").GetString(), StringComparison.Ordinal);
        Assert.Contains(field, error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_20_MB_string_is_a_prompt_when_it_is_input_and_a_400_when_it_is_the_model()
    {
        var huge = new string('x', 20 * 1024 * 1024);

        using (var prompt = await PostAsync($$"""{"model":"coder","input":"{{huge}}"}"""))
        {
            Assert.Equal(HttpStatusCode.OK, prompt.StatusCode);
        }
        var error = await AssertRefusedAsync(await PostAsync($$"""{"model":"{{huge}}","input":"hi"}"""), 400, "string_above_max_length");
        Assert.True(error.GetRawText().Length < 1024, "the model name is not echoed back");
    }

    [Theory]
    [InlineData(0, false, 200)]
    [InlineData(1, false, 413)]
    [InlineData(0, true, 200)]
    [InlineData(1, true, 413)]
    [InlineData(5 * 1024 * 1024, true, 413)]
    public async Task Bodies_at_and_around_the_limit(int over, bool chunked, int status)
    {
        var body = PaddedTo(LimitMb * 1024 * 1024 + over);
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_router.BaseUrl, "responses"))
        {
            Content = chunked ? new StreamContent(new MemoryStream(body)) { Headers = { ContentType = new MediaTypeHeaderValue("application/json") } } : content,
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _token);
        if (chunked)
        {
            request.Headers.TransferEncodingChunked = true;
        }

        using var response = await _http.SendAsync(request);

        if (status == 200)
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
        else
        {
            await AssertRefusedAsync(response, status, "request_too_large");
        }
    }

    [Theory]
    [InlineData(150, 10)]
    [InlineData(4, 12 * 1024)]
    public async Task An_oversized_request_head_is_a_431_in_openai_shape(int headers, int valueLength)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_router.BaseUrl, "responses"))
        {
            Content = new StringContent("""{"model":"coder","input":"hi"}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _token);
        for (var i = 0; i < headers; i++)
        {
            request.Headers.Add($"x-filler-{i}", new string('f', valueLength));
        }

        await AssertRefusedAsync(await _http.SendAsync(request), 431, "request_headers_too_large");
    }

    [Fact]
    public async Task Nothing_in_the_corpus_left_an_error_or_a_stack_trace_in_the_routers_output()
    {
        await A_lone_surrogate_anywhere_is_a_400("\\ud800");
        await A_known_field_of_the_wrong_type_is_a_400_naming_it("reasoning", "\"high\"");

        Assert.DoesNotContain(" ERR ", _router.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", _router.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", _router.Output, StringComparison.Ordinal);
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _router.DisposeAsync();
        await _upstream.DisposeAsync();
    }

    /// <summary>A valid request of exactly <paramref name="length"/> bytes (the padding is in a string the upstream ignores).</summary>
    private static byte[] PaddedTo(int length)
    {
        var head = "{\"model\":\"coder\",\"input\":\"hi\",\"metadata\":{\"pad\":\""u8.ToArray();
        var tail = "\"}}"u8.ToArray();
        var body = new byte[length];
        head.CopyTo(body, 0);
        body.AsSpan(head.Length, length - head.Length - tail.Length).Fill((byte)'p');
        tail.CopyTo(body, length - tail.Length);
        return body;
    }

    /// <summary>The offset of the first byte inside every string value and property name of a JSON document.</summary>
    private static List<int> StringValueOffsets(byte[] json)
    {
        var offsets = new List<int>();
        var reader = new Utf8JsonReader(json);
        while (reader.Read())
        {
            if (reader.TokenType is JsonTokenType.String or JsonTokenType.PropertyName && reader.ValueSpan.Length > 0)
            {
                offsets.Add((int)reader.TokenStartIndex + 1);
            }
        }
        return offsets;
    }

    private async Task<HttpResponseMessage> PostAsync(string json) => await PostAsync(Encoding.UTF8.GetBytes(json));

    private async Task<HttpResponseMessage> PostAsync(byte[] body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_router.BaseUrl, "responses")) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _token);
        return await _http.SendAsync(request);
    }

    private static async Task<JsonElement> AssertRefusedAsync(HttpResponseMessage response, int status, string code)
    {
        using (response)
        {
            var body = await response.Content.ReadAsStringAsync();
            Assert.True((int)response.StatusCode == status, $"{(int)response.StatusCode}: {body}");
            Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
            var error = JsonDocument.Parse(body).RootElement.GetProperty("error").Clone();
            Assert.Equal(code, error.GetProperty("code").GetString());
            Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("message").GetString()));
            return error;
        }
    }
}
