using System.Text.Json;
using GenAiRouter.Protocols.Messages;
using GenAiRouter.Routing;

namespace GenAiRouter.Ingress.Doors.Messages;

/// <summary>
/// Reads what routing needs from an Anthropic Messages request in one forward pass: the group (<c>model</c>), the
/// shape (client tools, tools Anthropic runs, images anywhere in the messages, thinking or effort as the reasoning
/// level, structured output, stream), Claude Code's session (in <c>metadata.user_id</c>), and the thinking blocks
/// given back with where each sits (their signatures are sealed by the target that made them). Proves the body sound
/// as it goes (valid Unicode, known fields of their types).
/// </summary>
public static class MessagesRequestClassifier
{
    private enum Field
    {
        Other,
        Model,
        Messages,
        Stream,
        Tools,
        Thinking,
        OutputConfig,
        Metadata,
        MaxTokens,
    }

    private const JsonKinds Optional = JsonKinds.Null;

    private static readonly FieldTable<Field> Fields = new(
    [
        ("model", Field.Model, JsonKinds.String),
        ("messages", Field.Messages, JsonKinds.Array),
        ("stream", Field.Stream, JsonKinds.Boolean | Optional),
        ("tools", Field.Tools, JsonKinds.Array | Optional),
        ("thinking", Field.Thinking, JsonKinds.Object | Optional),
        ("output_config", Field.OutputConfig, JsonKinds.Object | Optional),
        ("metadata", Field.Metadata, JsonKinds.Object | Optional),
        ("max_tokens", Field.MaxTokens, JsonKinds.Number),
        ("system", Field.Other, JsonKinds.String | JsonKinds.Array | Optional),
        ("tool_choice", Field.Other, JsonKinds.Object | Optional),
        ("temperature", Field.Other, JsonKinds.Number | Optional),
        ("top_p", Field.Other, JsonKinds.Number | Optional),
        ("top_k", Field.Other, JsonKinds.Number | Optional),
        ("stop_sequences", Field.Other, JsonKinds.Array | Optional),
        ("context_management", Field.Other, JsonKinds.Object | Optional),
        ("service_tier", Field.Other, JsonKinds.String | Optional),
    ]);

    /// <param name="counting">A <c>count_tokens</c> request: the same body without <c>max_tokens</c>.</param>
    /// <exception cref="BadRequestBodyException">The body cannot be routed; the message says why, for the caller.</exception>
    public static DoorRequest Classify(ReadOnlySpan<byte> body, bool counting = false) =>
        JsonScan.Classify(body, b => ClassifyCore(b, counting));

    private static DoorRequest ClassifyCore(ReadOnlySpan<byte> body, bool counting)
    {
        var reader = JsonScan.Open(body);
        string? group = null, session = null, effort = null, thinkingType = null;
        long budget = 0;
        Range modelValue = default;
        var shape = new RequestShape();
        var messages = false;
        var maxTokens = false;
        List<SealedItem>? sealedItems = null;
        while (Fields.Next(ref reader, out var field))
        {
            switch (field)
            {
                case Field.Model:
                    (group, modelValue) = ModelField.Read(ref reader);
                    break;
                case Field.Messages:
                    messages = true;
                    int images;
                    (images, sealedItems) = ReadMessages(ref reader);
                    shape = shape with { ImageCount = images };
                    break;
                case Field.Stream:
                    shape = shape with { Stream = reader.TokenType == JsonTokenType.True };
                    break;
                case Field.Tools when reader.TokenType == JsonTokenType.StartArray:
                    var (client, hosted) = ReadTools(ref reader);
                    shape = shape with { FunctionTools = client, HostedTools = hosted };
                    break;
                case Field.Thinking when reader.TokenType == JsonTokenType.StartObject:
                    (thinkingType, budget) = ReadThinking(ref reader);
                    break;
                case Field.OutputConfig when reader.TokenType == JsonTokenType.StartObject:
                    bool structured;
                    (effort, structured) = ReadOutputConfig(ref reader);
                    shape = shape with { StructuredOutput = structured };
                    break;
                case Field.MaxTokens:
                    maxTokens = true;
                    break;
                case Field.Metadata when reader.TokenType == JsonTokenType.StartObject:
                    session = ReadSession(ref reader);
                    break;
                default:
                    JsonScan.Skip(ref reader);
                    break;
            }
        }
        JsonScan.End(ref reader);
        JsonScan.Require(!string.IsNullOrEmpty(group), "model", "the model group to use");
        JsonScan.Require(messages, "messages");
        JsonScan.Require(maxTokens || counting, "max_tokens");
        shape = shape with { ReasoningEffort = ThinkingLevel.Of(effort, thinkingType, budget) };
        return new DoorRequest(group, modelValue, shape, Store: false, Background: false, session, sealedItems);
    }

    /// <summary>
    /// Checks every message; counts the images anywhere in them (tool results carry theirs), and finds the thinking
    /// blocks of assistant turns with the opaque value each carries back (a signature, or redacted data).
    /// </summary>
    private static (int Images, List<SealedItem>? Sealed) ReadMessages(ref Utf8JsonReader reader)
    {
        var depth = reader.CurrentDepth;
        var images = 0;
        List<SealedItem>? sealedItems = null;
        while (JsonScan.Read(ref reader) && reader.CurrentDepth > depth)
        {
            if (reader.CurrentDepth == depth + 1 && reader.TokenType is not (JsonTokenType.EndObject or JsonTokenType.EndArray))
            {
                JsonScan.Expect(ref reader, "messages[]", JsonKinds.Object);
            }
            else if (reader.TokenType == JsonTokenType.PropertyName && reader.CurrentDepth == depth + 2)
            {
                if (reader.ValueTextEquals("role"u8))
                {
                    JsonScan.Read(ref reader);
                    JsonScan.Expect(ref reader, "messages[].role", JsonKinds.String);
                }
                else if (reader.ValueTextEquals("content"u8))
                {
                    JsonScan.Read(ref reader);
                    JsonScan.Expect(ref reader, "messages[].content", JsonKinds.String | JsonKinds.Array);
                    if (reader.TokenType == JsonTokenType.StartArray)
                    {
                        images += ReadBlocks(ref reader, ref sealedItems);
                    }
                }
            }
        }
        return (images, sealedItems);
    }

    /// <summary>One message's content blocks: images counted (however deep), thinking blocks recorded with their neighbours.</summary>
    private static int ReadBlocks(ref Utf8JsonReader reader, ref List<SealedItem>? sealedItems)
    {
        var depth = reader.CurrentDepth;
        var images = 0;
        int blockStart = -1, previousEnd = -1, valueStart = -1, valueLength = 0;
        var firstSealedHere = sealedItems?.Count ?? 0;
        string? boundary = null;
        while (JsonScan.Read(ref reader) && reader.CurrentDepth > depth)
        {
            if (reader.CurrentDepth == depth + 1)
            {
                if (reader.TokenType == JsonTokenType.StartObject)
                {
                    blockStart = (int)reader.TokenStartIndex;
                    // A block begins: the sealed block before it (in this message) now knows its neighbour.
                    if (sealedItems is { Count: > 0 } && sealedItems.Count > firstSealedHere && sealedItems[^1] is { NextStart: -1 } last && last.End == previousEnd)
                    {
                        sealedItems[^1] = last with { NextStart = blockStart };
                    }
                }
                else if (reader.TokenType == JsonTokenType.EndObject)
                {
                    var end = (int)reader.BytesConsumed;
                    if (valueStart >= 0)
                    {
                        (sealedItems ??= []).Add(new SealedItem(blockStart, end, previousEnd, -1, valueStart, valueLength, boundary));
                    }
                    previousEnd = end;
                    valueStart = -1;
                    boundary = null;
                }
                else
                {
                    JsonScan.Expect(ref reader, "messages[].content[]", JsonKinds.Object);
                }
            }
            else if (reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.CurrentDepth == depth + 2 && (reader.ValueTextEquals("signature"u8) || reader.ValueTextEquals("data"u8)))
                {
                    JsonScan.Read(ref reader);
                    // Only values a router sealed matter: a thinking signature or redacted data (image data sits deeper).
                    if (reader.TokenType == JsonTokenType.String && !reader.ValueIsEscaped && ReasoningSeals.BoundaryOf(reader.ValueSpan) is { } sealedBy)
                    {
                        (valueStart, valueLength, boundary) = ((int)reader.TokenStartIndex + 1, reader.ValueSpan.Length, sealedBy);
                    }
                    JsonScan.Skip(ref reader);
                }
                else if (reader.ValueTextEquals("type"u8))
                {
                    JsonScan.Read(ref reader);
                    if (reader.TokenType == JsonTokenType.String && reader.ValueTextEquals("image"u8))
                    {
                        images++;
                    }
                    JsonScan.Skip(ref reader);
                }
            }
        }
        return images;
    }

    /// <summary>Client tools (no type, or <c>custom</c>) and tools of Anthropic's own kinds (web search, code execution...).</summary>
    private static (bool Client, bool Hosted) ReadTools(ref Utf8JsonReader reader)
    {
        var depth = reader.CurrentDepth;
        bool client = false, hosted = false, typed = false;
        while (JsonScan.Read(ref reader) && reader.CurrentDepth > depth)
        {
            if (reader.CurrentDepth == depth + 1)
            {
                if (reader.TokenType == JsonTokenType.StartObject)
                {
                    typed = false;
                }
                else if (reader.TokenType == JsonTokenType.EndObject)
                {
                    client |= !typed;
                }
                else
                {
                    JsonScan.Expect(ref reader, "tools[]", JsonKinds.Object);
                }
            }
            else if (reader.CurrentDepth == depth + 2 && reader.TokenType == JsonTokenType.PropertyName && reader.ValueTextEquals("type"u8))
            {
                JsonScan.Read(ref reader);
                JsonScan.Expect(ref reader, "tools[].type", JsonKinds.String | Optional);
                if (reader.TokenType == JsonTokenType.String && !reader.ValueTextEquals("custom"u8))
                {
                    typed = true;
                    hosted = true;
                }
            }
        }
        return (client, hosted);
    }

    private static (string? Type, long Budget) ReadThinking(ref Utf8JsonReader reader)
    {
        var depth = reader.CurrentDepth;
        string? type = null;
        long budget = 0;
        while (JsonScan.Read(ref reader) && reader.CurrentDepth > depth)
        {
            if (reader.CurrentDepth != depth + 1 || reader.TokenType != JsonTokenType.PropertyName)
            {
                continue;
            }
            if (reader.ValueTextEquals("type"u8))
            {
                JsonScan.Read(ref reader);
                JsonScan.Expect(ref reader, "thinking.type", JsonKinds.String);
                type = reader.GetString();
            }
            else if (reader.ValueTextEquals("budget_tokens"u8))
            {
                JsonScan.Read(ref reader);
                JsonScan.Expect(ref reader, "thinking.budget_tokens", JsonKinds.Number);
                budget = reader.TryGetInt64(out var n) ? n : 0;
            }
        }
        return (type, budget);
    }

    private static (string? Effort, bool Structured) ReadOutputConfig(ref Utf8JsonReader reader)
    {
        var depth = reader.CurrentDepth;
        string? effort = null;
        var structured = false;
        while (JsonScan.Read(ref reader) && reader.CurrentDepth > depth)
        {
            if (reader.CurrentDepth != depth + 1 || reader.TokenType != JsonTokenType.PropertyName)
            {
                continue;
            }
            if (reader.ValueTextEquals("effort"u8))
            {
                JsonScan.Read(ref reader);
                JsonScan.Expect(ref reader, "output_config.effort", JsonKinds.String | Optional);
                effort = JsonScan.StringOrNull(ref reader);
            }
            else if (reader.ValueTextEquals("format"u8))
            {
                JsonScan.Read(ref reader);
                JsonScan.Expect(ref reader, "output_config.format", JsonKinds.Object | Optional);
                structured = reader.TokenType == JsonTokenType.StartObject;
                JsonScan.Skip(ref reader);
            }
        }
        return (effort, structured);
    }

    /// <summary>Claude Code's session: <c>metadata.user_id</c> is a JSON object written as a string, with a <c>session_id</c>.</summary>
    private static string? ReadSession(ref Utf8JsonReader reader)
    {
        var depth = reader.CurrentDepth;
        string? session = null;
        while (JsonScan.Read(ref reader) && reader.CurrentDepth > depth)
        {
            if (reader.CurrentDepth == depth + 1 && reader.TokenType == JsonTokenType.PropertyName && reader.ValueTextEquals("user_id"u8))
            {
                JsonScan.Read(ref reader);
                if (reader.TokenType == JsonTokenType.String && reader.ValueSpan.Length is > 0 and <= 2048)
                {
                    session = SessionIn(reader.GetString()!);
                }
            }
        }
        return session;
    }

    private static string? SessionIn(string userId)
    {
        if (!userId.StartsWith('{'))
        {
            return null;
        }
        try
        {
            using var parsed = JsonDocument.Parse(userId);
            return parsed.RootElement.ValueKind == JsonValueKind.Object && parsed.RootElement.TryGetProperty("session_id", out var id)
                && id.ValueKind == JsonValueKind.String && id.GetString() is { Length: > 0 and <= 512 } value ? value : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
