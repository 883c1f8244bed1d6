namespace GenAiRouter.Protocols.Canonical;

/// <summary>
/// An answer as it arrives, in no protocol's terms: what an answer reader makes of a target's stream (or whole answer)
/// and an answer writer turns into the caller's protocol. A whole answer is the same events at once.
/// </summary>
public abstract record AnswerEvent;

public sealed record TextDelta(string Text) : AnswerEvent;

/// <summary>Readable reasoning: a summary, or thinking text.</summary>
public sealed record ReasoningDelta(string Text) : AnswerEvent;

/// <summary>
/// Reasoning only the producing kind of target can read back (encrypted content, a thinking signature), whole, packed
/// as a <see cref="ReasoningCarrier"/> so that the caller's protocol can carry it and give it back.
/// </summary>
public sealed record ReasoningSealed(string Carried) : AnswerEvent;

/// <summary>A piece of the tool call at <see cref="Index"/>: its id and name when they first arrive, and arguments text in pieces.</summary>
public sealed record ToolCallDelta(int Index, string? Id, string? Namespace, string? Name, string? Arguments) : AnswerEvent;

public sealed record UsageReported(AnswerUsage Usage) : AnswerEvent;

/// <summary>The answer ended as the protocol says it ends.</summary>
public sealed record Finished(FinishReason Reason) : AnswerEvent;

/// <summary>The answer ended in failure (the upstream broke off, sent an error, or sent nonsense).</summary>
public sealed record Failed(string Code, string Message) : AnswerEvent;

public enum FinishReason
{
    Stop,
    ToolCalls,
    Length,
    ContentFilter,
}

/// <summary>Token usage in the router's terms, whatever the protocol reported it as.</summary>
public sealed record AnswerUsage(long Input, long CachedInput, long Output, long Reasoning, long CacheWrite = 0)
{
    public long Total => Input + Output;
}
