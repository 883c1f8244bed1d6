using System.Text;
using GenAiRouter.Ingress.Doors;
using GenAiRouter.Ingress.Doors.Responses;
using GenAiRouter.Routing;

namespace GenAiRouter.Ingress.Tests.Doors;

public sealed class ResponsesRequestClassifierTests
{
    public static TheoryData<string, RequestShape> Shapes => new()
    {
        { """{"model":"g","input":"hi"}""", RequestShape.Text },
        { """{"model":"g","input":"hi","stream":true}""", new() { Stream = true } },
        { """{"model":"g","input":"hi","stream":null,"store":null,"reasoning":null,"tools":null,"text":null}""", RequestShape.Text },
        { """{"model":"g","tools":[{"type":"function","name":"f","parameters":{"type":"object"}}]}""", new() { FunctionTools = true } },
        { """{"model":"g","tools":[{"type":"namespace","name":"ns","tools":[{"type":"function","name":"f"}]}]}""", new() { FunctionTools = true } },
        { """{"model":"g","tools":[{"type":"web_search"}]}""", new() { HostedTools = true } },
        { """{"model":"g","tools":[{"type":"function","name":"f"},{"type":"web_search","filters":{"type":"x"}}]}""", new() { FunctionTools = true, HostedTools = true } },
        { """{"model":"g","reasoning":{"summary":"auto"}}""", RequestShape.Text },
        { """{"model":"g","reasoning":{"effort":null}}""", RequestShape.Text },
        { """{"model":"g","reasoning":{"effort":"high","summary":"auto"}}""", new() { ReasoningEffort = "high" } },
        { """{"model":"g","previous_response_id":"resp_1"}""", new() { PreviousResponseId = true } },
        { """{"model":"g","previous_response_id":null}""", RequestShape.Text },
        { """{"model":"g","text":{"format":{"type":"json_schema","name":"x","schema":{"type":"object"}}}}""", new() { StructuredOutput = true } },
        { """{"model":"g","text":{"format":{"type":"text"},"verbosity":"low"}}""", RequestShape.Text },
        {
            """{"model":"g","input":[{"type":"message","role":"user","content":[{"type":"input_text","text":"type: input_image"},{"type":"input_image","image_url":"data:image/png;base64,AAAA"},{"type":"input_image","image_url":"https://x/y.png"}]}]}""",
            new() { ImageCount = 2 }
        },
        // An image from an earlier turn still travels in every later turn's input: the whole history counts.
        {
            """{"model":"g","input":[{"role":"user","content":[{"type":"input_image","image_url":"data:image/png;base64,AAAA"}]},{"role":"assistant","content":[{"type":"output_text","text":"a cat"}]},{"role":"user","content":"and now?"}]}""",
            new() { ImageCount = 1 }
        },
        { """{"model":"g","input":[{"type":"function_call_output","call_id":"c","output":[{"type":"input_image","image_url":"data:image/png;base64,AAAA"}]}]}""", new() { ImageCount = 1 } },
        { """{"input":"hi","stream":true,"model":"g","store":false,"include":["reasoning.encrypted_content"],"client_metadata":{"model":"other"}}""", new() { Stream = true } },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void The_shape_is_read_from_the_request(string body, RequestShape expected)
    {
        var request = ResponsesRequestClassifier.Classify(Encoding.UTF8.GetBytes(body));

        Assert.Equal("g", request.Group);
        Assert.Equal(expected, request.Shape);
    }

    public static TheoryData<string, string, string?, string> Unroutable => new()
    {
        { "", "The request body is not valid JSON.", null, "invalid_json" },
        { "{\"model\":", "The request body is not valid JSON.", null, "invalid_json" },
        { "{\"model\":\"g\"} {}", "The request body is not valid JSON.", null, "invalid_json" },
        { "[1,2]", "The request body must be a JSON object.", null, "invalid_request" },
        { "{\"input\":\"hi\"}", "Missing required parameter: 'model' (the model group to use).", "model", "missing_required_parameter" },
        { "{\"model\":42}", "Invalid type for 'model': expected a string, but got a number instead.", "model", "invalid_type" },
        { "{\"model\":\"g\",\"stream\":\"yes\"}", "Invalid type for 'stream': expected a boolean or null, but got a string instead.", "stream", "invalid_type" },
        { "{\"model\":\"g\",\"reasoning\":\"high\"}", "Invalid type for 'reasoning': expected an object or null, but got a string instead.", "reasoning", "invalid_type" },
        { "{\"model\":\"g\",\"reasoning\":{\"effort\":3}}", "Invalid type for 'reasoning.effort': expected a string or null, but got a number instead.", "reasoning.effort", "invalid_type" },
        { "{\"model\":\"g\",\"tools\":{}}", "Invalid type for 'tools': expected an array or null, but got an object instead.", "tools", "invalid_type" },
        { "{\"model\":\"g\",\"tools\":[\"web_search\"]}", "Invalid type for 'tools[]': expected an object, but got a string instead.", "tools[]", "invalid_type" },
        { "{\"model\":\"g\",\"tools\":[{\"type\":7}]}", "Invalid type for 'tools[].type': expected a string, but got a number instead.", "tools[].type", "invalid_type" },
        { "{\"model\":\"g\",\"input\":5}", "Invalid type for 'input': expected a string or an array, but got a number instead.", "input", "invalid_type" },
        { "{\"model\":\"g\",\"text\":{\"format\":\"json\"}}", "Invalid type for 'text.format': expected an object or null, but got a string instead.", "text.format", "invalid_type" },
        { "{\"model\":\"g\",\"temperature\":\"hot\"}", "Invalid type for 'temperature': expected a number or null, but got a string instead.", "temperature", "invalid_type" },
        { "{\"model\":\"g\",\"max_output_tokens\":true}", "Invalid type for 'max_output_tokens': expected a number or null, but got a boolean instead.", "max_output_tokens", "invalid_type" },
        { "{\"model\":\"g\",\"instructions\":[]}", "Invalid type for 'instructions': expected a string or null, but got an array instead.", "instructions", "invalid_type" },
        { "{\"model\":\"g\",\"input\":\"\\ud800\"}", "The request body holds a string that is not valid UTF-8 or has an unpaired surrogate escape.", null, "invalid_encoding" },
        { "{\"model\":\"g\",\"input\":[{\"content\":\"\\udc00 alone\"}]}", "The request body holds a string that is not valid UTF-8 or has an unpaired surrogate escape.", null, "invalid_encoding" },
        { "{\"model\":\"g\",\"metadata\":{\"\\ud83d\":\"x\"}}", "The request body holds a string that is not valid UTF-8 or has an unpaired surrogate escape.", null, "invalid_encoding" },
    };

    [Theory]
    [MemberData(nameof(Unroutable))]
    public void Requests_that_cannot_be_routed_say_why(string body, string message, string? param, string code)
    {
        var e = Assert.Throws<BadRequestBodyException>(() => ResponsesRequestClassifier.Classify(Encoding.UTF8.GetBytes(body)));

        Assert.Equal(message, e.Message);
        Assert.Equal(param, e.Param);
        Assert.Equal(code, e.Code);
    }

    [Theory]
    [InlineData("model")]
    [InlineData("input")]
    [InlineData("instructions")]
    [InlineData("prompt_cache_key")]
    [InlineData("unknown_field")]
    public void Invalid_utf8_in_any_string_is_refused_wherever_it_sits(string field)
    {
        // 0xC3 0x28: a two-byte sequence whose second byte is not a continuation byte.
        byte[] body = [.. Encoding.UTF8.GetBytes(field == "model" ? "{\"model\":\"" : $"{{\"model\":\"g\",\"{field}\":\""), 0xC3, 0x28, .. "\"}"u8];

        var e = Assert.Throws<BadRequestBodyException>(() => ResponsesRequestClassifier.Classify(body));

        Assert.Equal("invalid_encoding", e.Code);
    }

    [Fact]
    public void Escaped_surrogate_pairs_and_any_unicode_are_fine()
    {
        var request = ResponsesRequestClassifier.Classify(Encoding.UTF8.GetBytes("""{"model":"g","input":"\ud83d\ude00 and 😀 and \u00e9","metadata":{"k\u00e9":"v"}}"""));

        Assert.Equal("g", request.Group);
    }

    [Fact]
    public void A_model_name_longer_than_any_group_is_refused_without_echoing_it()
    {
        var name = new string('m', 5000);

        var e = Assert.Throws<BadRequestBodyException>(() => ResponsesRequestClassifier.Classify(Encoding.UTF8.GetBytes($$"""{"model":"{{name}}"}""")));

        Assert.Equal("model", e.Param);
        Assert.DoesNotContain("mmmm", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_group_is_replaced_by_the_upstream_model_and_nothing_else_changes()
    {
        var body = Encoding.UTF8.GetBytes("""{ "input" : "model: big-coder", "model" : "big-coder", "client_metadata": {"model":"big-coder"} }""");
        var request = ResponsesRequestClassifier.Classify(body);

        var rewritten = Encoding.UTF8.GetString(ModelSwap.Apply(body, request.ModelValue, "gpt-5.1-\"codex\""));

        Assert.Equal("""{ "input" : "model: big-coder", "model" : "gpt-5.1-\u0022codex\u0022", "client_metadata": {"model":"big-coder"} }""", rewritten);
    }
}
