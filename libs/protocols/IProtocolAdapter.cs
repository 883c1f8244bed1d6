using System.Buffers;
using System.Text.Json;
using GenAiRouter.Contracts.V1;
using GenAiRouter.Protocols.Canonical;

namespace GenAiRouter.Protocols;

/// <summary>
/// One LLM protocol, both ways: a caller's request read into the canonical <see cref="Conversation"/>, a conversation
/// written as a target's request, a target's answer read into <see cref="AnswerEvent"/>s, and events written as the
/// caller's answer. Translating between two protocols is one adapter's reader and the other's writer; a new protocol
/// is one more adapter.
/// </summary>
public interface IProtocolAdapter
{
    Protocol Protocol { get; }

    /// <summary>The id an answer of this protocol carries for the router's request id (<c>resp_</c>, <c>chatcmpl-</c>...).</summary>
    string AnswerId(string requestId);

    /// <exception cref="TranslationException">The request holds something no other protocol can be given.</exception>
    Conversation ReadRequest(JsonElement request);

    /// <summary>The request <paramref name="target"/> gets, with only what it was validated for.</summary>
    /// <exception cref="TranslationException">The target cannot take what the conversation holds.</exception>
    TargetRequest WriteRequest(Conversation conversation, Target target);

    IAnswerReader NewAnswerReader(ToolNames names);

    IAnswerWriter NewAnswerWriter(AnswerContext context);
}

/// <summary>A target's request: its JSON, how its tool names map back, the hosted tools left out, whether it streams.</summary>
public sealed record TargetRequest(byte[] Json, ToolNames ToolNames, IReadOnlyList<string> DroppedTools, bool Stream);

/// <summary>What an answer writer needs besides the events: the id and model the caller sees, and how it asked.</summary>
/// <param name="Reasoning">
/// The caller asked for reasoning. A Messages caller that did not gets no thinking blocks, as Anthropic's API sends
/// none then; the other protocols show what the model sends.
/// </param>
public sealed record AnswerContext(string ResponseId, string Model, long CreatedAt, bool Stream, bool StreamUsage, bool Reasoning = true);

/// <summary>A target's answer in its protocol, as events. Feed it the data payloads of its stream, or the whole answer.</summary>
public interface IAnswerReader
{
    /// <summary>One SSE <c>data:</c> payload of the stream.</summary>
    IEnumerable<AnswerEvent> OnData(ReadOnlySpan<byte> data);

    /// <summary>The stream's body ended; an answer that had not finished fails.</summary>
    IEnumerable<AnswerEvent> OnEnd();

    /// <summary>A whole (non-streamed) answer.</summary>
    IEnumerable<AnswerEvent> OnWhole(JsonElement answer);
}

/// <summary>The caller's answer in its protocol, from events: SSE frames as they come, or one whole answer at the end.</summary>
public interface IAnswerWriter
{
    /// <summary>The answer has ended (finished or failed): further events are ignored.</summary>
    bool Ended { get; }

    /// <summary>The frames that open a stream, before any event.</summary>
    void Start(IBufferWriter<byte> output);

    /// <summary>A stream's frames for <paramref name="e"/>; for a whole answer, <paramref name="e"/> is only gathered.</summary>
    void Write(AnswerEvent e, IBufferWriter<byte> output);

    /// <summary>After the events of a whole answer: the caller's JSON, or why there is none.</summary>
    (byte[]? Answer, Failed? Failure) Whole();
}

/// <summary>The adapter of each protocol.</summary>
public static class ProtocolAdapters
{
    private static readonly IProtocolAdapter[] All = [new Responses.ResponsesAdapter(), new Chat.ChatAdapter(), new Messages.MessagesAdapter()];

    public static IProtocolAdapter For(Protocol protocol) =>
        All.FirstOrDefault(a => a.Protocol == protocol) ?? throw new ArgumentOutOfRangeException(nameof(protocol), protocol, "no adapter for this protocol");

    /// <summary>Writes each event of <paramref name="events"/> (until the answer ends).</summary>
    public static void WriteAll(this IAnswerWriter writer, IEnumerable<AnswerEvent> events, IBufferWriter<byte> output)
    {
        foreach (var e in events)
        {
            if (writer.Ended)
            {
                return;
            }
            writer.Write(e, output);
        }
    }
}
