using System.Text.Json;
using GenAiRouter.Contracts.V1;
using GenAiRouter.Protocols.Canonical;

namespace GenAiRouter.Protocols.Messages;

/// <summary>Anthropic's Messages API (<c>/v1/messages</c>), as Claude Code and the Anthropic SDKs speak it.</summary>
public sealed class MessagesAdapter : IProtocolAdapter
{
    public Protocol Protocol => Protocol.Messages;

    public string AnswerId(string requestId) => $"msg_{requestId}";

    public Conversation ReadRequest(JsonElement request) => MessagesRequestReader.Read(request);

    public TargetRequest WriteRequest(Conversation conversation, Target target) => MessagesRequestWriter.Write(conversation, target);

    public IAnswerReader NewAnswerReader(ToolNames names) => new MessagesAnswerReader(names);

    public IAnswerWriter NewAnswerWriter(AnswerContext context) => new MessagesAnswerWriter(context);
}
