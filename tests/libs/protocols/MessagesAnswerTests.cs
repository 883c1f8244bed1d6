using System.Buffers;
using System.Text;
using System.Text.Json;
using GenAiRouter.Contracts.V1;
using GenAiRouter.Protocols;
using GenAiRouter.Protocols.Canonical;
using GenAiRouter.Protocols.Chat;
using GenAiRouter.Protocols.Messages;

namespace GenAiRouter.Protocols.Tests;

/// <summary>Answers of other protocols as a Messages caller gets them: thinking only when asked for, and never unsigned.</summary>
public sealed class MessagesAnswerTests
{
    private static readonly string[] ChatTurn =
    [
        """{"choices":[{"index":0,"delta":{"reasoning_content":"Look first."}}]}""",
        """{"choices":[{"index":0,"delta":{"content":"Done."}}]}""",
        """{"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}""",
    ];

    [Fact]
    public void A_chat_models_readable_thinking_is_signed_as_readable_only_and_no_target_takes_it_back()
    {
        var message = Whole(ChatTurn, reasoning: true);

        var thinking = message.GetProperty("content")[0];
        Assert.Equal(("thinking", "Look first."), (thinking.GetProperty("type").GetString(), thinking.GetProperty("thinking").GetString()));
        var signature = thinking.GetProperty("signature").GetString();
        Assert.Equal(Protocol.Unspecified, ReasoningCarrier.Unpack(signature)?.Origin);
        // Given back, it reaches neither a Messages nor a Responses target.
        var conversation = MessagesRequestReader.Read(JsonDocument.Parse($$"""
            {"model":"g","max_tokens":10,"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":[{"type":"thinking","thinking":"Look first.","signature":"{{signature}}"},{"type":"text","text":"Done."}]},{"role":"user","content":"and?"}]}
            """).RootElement);
        var target = new Target { Name = "t", Model = "m", Capabilities = { Capability.Reasoning } };
        Assert.DoesNotContain("thinking", Encoding.UTF8.GetString(MessagesRequestWriter.Write(conversation, target).Json), StringComparison.Ordinal);
        Assert.DoesNotContain("\"reasoning\"", Encoding.UTF8.GetString(Responses.ResponsesRequestWriter.Write(conversation, target).Json), StringComparison.Ordinal);
    }

    [Fact]
    public void A_caller_that_did_not_ask_for_thinking_gets_none()
    {
        var message = Whole(ChatTurn, reasoning: false);

        Assert.Equal(["text"], message.GetProperty("content").EnumerateArray().Select(b => b.GetProperty("type").GetString()));
    }

    private static JsonElement Whole(IEnumerable<string> chunks, bool reasoning)
    {
        var reader = new ChatAnswerReader(new ToolNames());
        var writer = new MessagesAnswerWriter(new AnswerContext("msg_1", "g", 1, Stream: false, StreamUsage: false, reasoning));
        var nothing = new ArrayBufferWriter<byte>();
        foreach (var chunk in chunks)
        {
            writer.WriteAll(reader.OnData(Encoding.UTF8.GetBytes(chunk)), nothing);
        }
        writer.WriteAll(reader.OnData("[DONE]"u8), nothing);
        return JsonDocument.Parse(writer.Whole().Answer!).RootElement.Clone();
    }
}
