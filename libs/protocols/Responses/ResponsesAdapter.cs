using System.Text.Json;
using GenAiRouter.Contracts.V1;
using GenAiRouter.Protocols.Canonical;

namespace GenAiRouter.Protocols.Responses;

/// <summary>OpenAI's Responses API (<c>/v1/responses</c>).</summary>
public sealed class ResponsesAdapter : IProtocolAdapter
{
    public Protocol Protocol => Protocol.Responses;

    public string AnswerId(string requestId) => $"resp_{requestId}";

    public Conversation ReadRequest(JsonElement request) => ResponsesRequestReader.Read(request);

    public TargetRequest WriteRequest(Conversation conversation, Target target) => ResponsesRequestWriter.Write(conversation, target);

    public IAnswerReader NewAnswerReader(ToolNames names) => new ResponsesAnswerReader(names);

    public IAnswerWriter NewAnswerWriter(AnswerContext context) => new ResponsesAnswerWriter(context);
}
