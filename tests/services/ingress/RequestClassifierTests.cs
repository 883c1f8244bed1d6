using System.Text;
using GenAiRouter.Catalog.Routing;

namespace GenAiRouter.Ingress.Tests;

public sealed class RequestClassifierTests
{
    public static TheoryData<string, RequestShape> Shapes => new()
    {
        { """{"model":"g","input":"hi"}""", RequestShape.Text },
        { """{"model":"g","input":"hi","stream":true}""", new() { Stream = true } },
        { """{"model":"g","tools":[{"type":"function","name":"f","parameters":{"type":"object"}}]}""", new() { FunctionTools = true } },
        { """{"model":"g","tools":[{"type":"namespace","name":"ns","tools":[{"type":"function","name":"f"}]}]}""", new() { FunctionTools = true } },
        { """{"model":"g","tools":[{"type":"web_search"}]}""", new() { HostedTools = true } },
        { """{"model":"g","tools":[{"type":"function","name":"f"},{"type":"web_search","filters":{"type":"x"}}]}""", new() { FunctionTools = true, HostedTools = true } },
        { """{"model":"g","reasoning":{"summary":"auto"}}""", RequestShape.Text },
        { """{"model":"g","reasoning":{"effort":"high","summary":"auto"}}""", new() { ReasoningEffort = "high" } },
        { """{"model":"g","previous_response_id":"resp_1"}""", new() { PreviousResponseId = true } },
        { """{"model":"g","previous_response_id":null}""", RequestShape.Text },
        { """{"model":"g","text":{"format":{"type":"json_schema","name":"x","schema":{"type":"object"}}}}""", new() { StructuredOutput = true } },
        { """{"model":"g","text":{"format":{"type":"text"},"verbosity":"low"}}""", RequestShape.Text },
        {
            """{"model":"g","input":[{"type":"message","role":"user","content":[{"type":"input_text","text":"type: input_image"},{"type":"input_image","image_url":"data:image/png;base64,AAAA"},{"type":"input_image","image_url":"https://x/y.png"}]}]}""",
            new() { ImageCount = 2 }
        },
        { """{"input":"hi","stream":true,"model":"g","store":false,"include":["reasoning.encrypted_content"],"client_metadata":{"model":"other"}}""", new() { Stream = true } },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void The_shape_is_read_from_the_request(string body, RequestShape expected)
    {
        var (request, error, _) = RequestClassifier.Classify(Encoding.UTF8.GetBytes(body));

        Assert.Null(error);
        Assert.Equal("g", request!.Group);
        Assert.Equal(expected, request.Shape);
    }

    [Theory]
    [InlineData("", "The request body is not valid JSON.", null)]
    [InlineData("{\"model\":", "The request body is not valid JSON.", null)]
    [InlineData("[1,2]", "The request body must be a JSON object.", null)]
    [InlineData("{\"input\":\"hi\"}", "Missing required parameter: 'model' (the model group to use).", "model")]
    [InlineData("{\"model\":42}", "'model' must be a string naming a model group.", "model")]
    public void Requests_that_cannot_be_routed_say_why(string body, string message, string? param)
    {
        var (request, error, errorParam) = RequestClassifier.Classify(Encoding.UTF8.GetBytes(body));

        Assert.Null(request);
        Assert.Equal(message, error);
        Assert.Equal(param, errorParam);
    }

    [Fact]
    public void The_group_is_replaced_by_the_upstream_model_and_nothing_else_changes()
    {
        var body = Encoding.UTF8.GetBytes("""{ "input" : "model: big-coder", "model" : "big-coder", "client_metadata": {"model":"big-coder"} }""");
        var (request, _, _) = RequestClassifier.Classify(body);

        var rewritten = Encoding.UTF8.GetString(RequestClassifier.WithModel(body, request!.ModelValue, "gpt-5.1-\"codex\""));

        Assert.Equal("""{ "input" : "model: big-coder", "model" : "gpt-5.1-\u0022codex\u0022", "client_metadata": {"model":"big-coder"} }""", rewritten);
    }
}
