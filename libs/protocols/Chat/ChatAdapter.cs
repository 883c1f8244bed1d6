using System.Text.Json;
using GenAiRouter.Contracts.V1;
using GenAiRouter.Protocols.Canonical;

namespace GenAiRouter.Protocols.Chat;

/// <summary>OpenAI's Chat Completions API (<c>/v1/chat/completions</c>), as inference servers and many agents speak it.</summary>
public sealed class ChatAdapter : IProtocolAdapter
{
    public Protocol Protocol => Protocol.Chat;

    public string AnswerId(string requestId) => $"chatcmpl-{requestId}";

    public Conversation ReadRequest(JsonElement request) => ChatRequestReader.Read(request);

    public TargetRequest WriteRequest(Conversation conversation, Target target) => ChatRequestWriter.Write(conversation, target);

    public IAnswerReader NewAnswerReader(ToolNames names) => new ChatAnswerReader(names);

    public IAnswerWriter NewAnswerWriter(AnswerContext context) => new ChatAnswerWriter(context);
}
