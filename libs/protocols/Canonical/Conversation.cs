using System.Text.Json;

namespace GenAiRouter.Protocols.Canonical;

/// <summary>
/// A request in no protocol's terms: what every adapter reads a caller's request into and writes a target's request
/// from. It holds what the protocols share; what only one has is read as the nearest shared thing or refused.
/// </summary>
public sealed class Conversation
{
    /// <summary>The model the caller named (the group); the writer sends the target's own model.</summary>
    public string Model { get; set; } = "";
    /// <summary>Instructions that come before the conversation (system, developer, top-level system prompts), in order.</summary>
    public List<string> Instructions { get; } = [];
    public List<Turn> Turns { get; } = [];
    public List<FunctionTool> Tools { get; } = [];
    /// <summary>Tools the model's provider runs itself (web_search...), by type; a writer drops or refuses them.</summary>
    public List<string> HostedTools { get; } = [];
    public ToolChoice? ToolChoice { get; set; }
    public bool? ParallelToolCalls { get; set; }
    public long? MaxOutputTokens { get; set; }
    public JsonElement? Temperature { get; set; }
    public JsonElement? TopP { get; set; }
    public List<string> Stop { get; } = [];
    public string? ReasoningEffort { get; set; }
    public ResponseFormat? Format { get; set; }
    public bool Stream { get; set; }
    /// <summary>A streaming caller asked for the usage at the end of the stream (Chat's <c>stream_options.include_usage</c>).</summary>
    public bool StreamUsage { get; set; }
    public string? SessionKey { get; set; }
}

public enum Role
{
    /// <summary>Instructions inside the conversation (a system or developer message among the others).</summary>
    System,
    User,
    Assistant,
    /// <summary>Results of tool calls, answering the assistant turn before.</summary>
    Tool,
}

/// <summary>One turn: its role and what it holds, in order.</summary>
public sealed record Turn(Role Role, List<Part> Parts)
{
    public static Turn Text(Role role, string text) => new(role, [new TextPart(text)]);
}

public abstract record Part;

public sealed record TextPart(string Text) : Part;

/// <summary>An image: an http(s) URL or a <c>data:</c> URL.</summary>
public sealed record ImagePart(string Url, string? Detail = null) : Part;

/// <summary>A call the model made; <see cref="Arguments"/> is JSON text.</summary>
public sealed record ToolCallPart(string Id, string? Namespace, string Name, string Arguments) : Part;

/// <summary>What a tool call returned: text and images.</summary>
public sealed record ToolResultPart(string CallId, List<Part> Content, bool IsError = false) : Part;

/// <summary>
/// The model's reasoning as the caller gave it back: readable text (a summary, thinking), and the opaque value of the
/// caller's protocol (Responses' <c>encrypted_content</c>, a Messages thinking <c>signature</c> or redacted <c>data</c>).
/// A writer sends reasoning on only when the opaque value is a <see cref="ReasoningCarrier"/> of its own protocol: the
/// reasoning its kind of target produced in an earlier translated turn.
/// </summary>
public sealed record ReasoningPart(string? Text, string? Opaque, string? Id = null) : Part;

public sealed record FunctionTool(string? Namespace, string Name, string? Description, JsonElement? Parameters, bool Strict);

public sealed record ToolChoice(ToolChoiceMode Mode, string? Namespace = null, string? Name = null);

public enum ToolChoiceMode
{
    Auto,
    None,
    Required,
    Function,
}

/// <summary>Structured output: any JSON object, or one matching <see cref="Schema"/>.</summary>
public sealed record ResponseFormat(bool JsonSchema, string? Name, JsonElement? Schema, bool Strict, string? Description = null);

/// <summary>A request a protocol cannot carry as it is; the message is for the caller.</summary>
public sealed class TranslationException(string message, string? param = null) : Exception(message)
{
    public string? Param { get; } = param;
}
