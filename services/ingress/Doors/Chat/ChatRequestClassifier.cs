using System.Text.Json;
using GenAiRouter.Routing;

namespace GenAiRouter.Ingress.Doors.Chat;

/// <summary>
/// Reads what routing needs from a Chat Completions request in one forward pass: the group (<c>model</c>) and the
/// shape (function tools, images anywhere in the messages, <c>reasoning_effort</c>, <c>response_format</c>, stream),
/// and proves the body sound as it goes (valid Unicode, known fields of their types). For a streamed request whose
/// caller did not ask for the usage chunk, it prepares the edit that asks the upstream for it (and the answer hides it).
/// </summary>
public static class ChatRequestClassifier
{
    private enum Field
    {
        Other,
        Model,
        Messages,
        Stream,
        StreamOptions,
        Store,
        Tools,
        ReasoningEffort,
        ResponseFormat,
        PromptCacheKey,
    }

    private const JsonKinds Optional = JsonKinds.Null;

    // The fields of the Chat Completions API and the JSON kinds each may hold; unknown fields (provider extras) pass through.
    private static readonly FieldTable<Field> Fields = new(
    [
        ("model", Field.Model, JsonKinds.String),
        ("messages", Field.Messages, JsonKinds.Array),
        ("stream", Field.Stream, JsonKinds.Boolean | Optional),
        ("stream_options", Field.StreamOptions, JsonKinds.Object | Optional),
        ("store", Field.Store, JsonKinds.Boolean | Optional),
        ("tools", Field.Tools, JsonKinds.Array | Optional),
        ("reasoning_effort", Field.ReasoningEffort, JsonKinds.String | Optional),
        ("response_format", Field.ResponseFormat, JsonKinds.Object | Optional),
        ("prompt_cache_key", Field.PromptCacheKey, JsonKinds.String | Optional),
        ("tool_choice", Field.Other, JsonKinds.String | JsonKinds.Object | Optional),
        ("parallel_tool_calls", Field.Other, JsonKinds.Boolean | Optional),
        ("max_tokens", Field.Other, JsonKinds.Number | Optional),
        ("max_completion_tokens", Field.Other, JsonKinds.Number | Optional),
        ("temperature", Field.Other, JsonKinds.Number | Optional),
        ("top_p", Field.Other, JsonKinds.Number | Optional),
        ("n", Field.Other, JsonKinds.Number | Optional),
        ("stop", Field.Other, JsonKinds.String | JsonKinds.Array | Optional),
        ("presence_penalty", Field.Other, JsonKinds.Number | Optional),
        ("frequency_penalty", Field.Other, JsonKinds.Number | Optional),
        ("logit_bias", Field.Other, JsonKinds.Object | Optional),
        ("logprobs", Field.Other, JsonKinds.Boolean | Optional),
        ("top_logprobs", Field.Other, JsonKinds.Number | Optional),
        ("seed", Field.Other, JsonKinds.Number | Optional),
        ("user", Field.Other, JsonKinds.String | Optional),
        ("safety_identifier", Field.Other, JsonKinds.String | Optional),
        ("metadata", Field.Other, JsonKinds.Object | Optional),
        ("service_tier", Field.Other, JsonKinds.String | Optional),
        ("modalities", Field.Other, JsonKinds.Array | Optional),
        ("verbosity", Field.Other, JsonKinds.String | Optional),
    ]);

    /// <exception cref="BadRequestBodyException">The body cannot be routed; the message says why, for the caller.</exception>
    public static DoorRequest Classify(ReadOnlySpan<byte> body) => JsonScan.Classify(body, ClassifyCore);

    private static DoorRequest ClassifyCore(ReadOnlySpan<byte> body)
    {
        var reader = JsonScan.Open(body);
        string? group = null, session = null;
        Range modelValue = default;
        var shape = new RequestShape();
        var store = false;
        var messages = false;
        (int Start, int? IncludeUsage, int IncludeUsageLength, bool Empty)? streamOptions = null;
        var includeUsage = false;
        while (Fields.Next(ref reader, out var field))
        {
            switch (field)
            {
                case Field.Model:
                    (group, modelValue) = ModelField.Read(ref reader);
                    break;
                case Field.Messages:
                    messages = true;
                    shape = shape with { ImageCount = ReadMessages(ref reader) };
                    break;
                case Field.Stream:
                    shape = shape with { Stream = reader.TokenType == JsonTokenType.True };
                    break;
                case Field.StreamOptions when reader.TokenType == JsonTokenType.StartObject:
                    (streamOptions, includeUsage) = ReadStreamOptions(ref reader);
                    break;
                case Field.Store:
                    store = reader.TokenType == JsonTokenType.True;
                    break;
                case Field.Tools when reader.TokenType == JsonTokenType.StartArray:
                    shape = shape with { FunctionTools = ReadTools(ref reader) };
                    break;
                case Field.ReasoningEffort:
                    shape = shape with { ReasoningEffort = JsonScan.StringOrNull(ref reader) };
                    break;
                case Field.ResponseFormat when reader.TokenType == JsonTokenType.StartObject:
                    shape = shape with { StructuredOutput = ReadFormatType(ref reader) is "json_schema" or "json_object" };
                    break;
                case Field.PromptCacheKey:
                    session = reader.TokenType == JsonTokenType.String && reader.ValueSpan.Length is > 0 and <= 512 ? reader.GetString() : null;
                    break;
                default:
                    JsonScan.Skip(ref reader);
                    break;
            }
        }
        var end = (int)reader.TokenStartIndex;
        JsonScan.End(ref reader);
        JsonScan.Require(!string.IsNullOrEmpty(group), "model", "the model group to use");
        JsonScan.Require(messages, "messages");
        // A stream's usage comes in its last chunk only when asked for: the router asks, and hides it from a caller that did not.
        var edits = shape.Stream && !includeUsage ? AskForUsage(streamOptions, end) : null;
        return new DoorRequest(group, modelValue, shape, store, Background: false, session, Sealed: null, edits, HideStreamUsage: edits is not null);
    }

    private static List<BodyEdit> AskForUsage((int Start, int? IncludeUsage, int IncludeUsageLength, bool Empty)? streamOptions, int end) => streamOptions switch
    {
        { IncludeUsage: { } value } options => [new BodyEdit(value, options.IncludeUsageLength, "true"u8.ToArray())],
        { Empty: true } options => [new BodyEdit(options.Start, 0, "\"include_usage\":true"u8.ToArray())],
        { } options => [new BodyEdit(options.Start, 0, "\"include_usage\":true,"u8.ToArray())],
        null => [new BodyEdit(end, 0, ",\"stream_options\":{\"include_usage\":true}"u8.ToArray())],
    };

    /// <summary>Where <c>stream_options</c>' members start, and <c>include_usage</c>'s value if it is there.</summary>
    private static ((int, int?, int, bool), bool IncludeUsage) ReadStreamOptions(ref Utf8JsonReader reader)
    {
        var depth = reader.CurrentDepth;
        var start = (int)reader.BytesConsumed;
        int? value = null;
        var length = 0;
        var include = false;
        var empty = true;
        while (JsonScan.Read(ref reader) && reader.CurrentDepth > depth)
        {
            empty = false;
            if (reader.TokenType == JsonTokenType.PropertyName && reader.CurrentDepth == depth + 1 && reader.ValueTextEquals("include_usage"u8))
            {
                JsonScan.Read(ref reader);
                JsonScan.Expect(ref reader, "stream_options.include_usage", JsonKinds.Boolean | Optional);
                include = reader.TokenType == JsonTokenType.True;
                (value, length) = ((int)reader.TokenStartIndex, (int)(reader.BytesConsumed - reader.TokenStartIndex));
            }
            else
            {
                JsonScan.Skip(ref reader);
            }
        }
        return ((start, value, length, empty), include);
    }

    /// <summary>Checks every message and counts the images anywhere in them.</summary>
    private static int ReadMessages(ref Utf8JsonReader reader)
    {
        var depth = reader.CurrentDepth;
        var images = 0;
        while (JsonScan.Read(ref reader) && reader.CurrentDepth > depth)
        {
            if (reader.CurrentDepth == depth + 1 && reader.TokenType is not (JsonTokenType.EndObject or JsonTokenType.EndArray))
            {
                JsonScan.Expect(ref reader, "messages[]", JsonKinds.Object);
            }
            else if (reader.TokenType == JsonTokenType.PropertyName && reader.CurrentDepth == depth + 2 && reader.ValueTextEquals("role"u8))
            {
                JsonScan.Read(ref reader);
                JsonScan.Expect(ref reader, "messages[].role", JsonKinds.String);
            }
            else if (reader.TokenType == JsonTokenType.PropertyName && reader.CurrentDepth == depth + 2 && reader.ValueTextEquals("content"u8))
            {
                JsonScan.Read(ref reader);
                JsonScan.Expect(ref reader, "messages[].content", JsonKinds.String | JsonKinds.Array | Optional);
                if (reader.TokenType == JsonTokenType.StartArray)
                {
                    images += CountImageParts(ref reader);
                }
            }
        }
        return images;
    }

    private static int CountImageParts(ref Utf8JsonReader reader)
    {
        var depth = reader.CurrentDepth;
        var images = 0;
        while (JsonScan.Read(ref reader) && reader.CurrentDepth > depth)
        {
            if (reader.TokenType == JsonTokenType.PropertyName && reader.ValueTextEquals("type"u8))
            {
                JsonScan.Read(ref reader);
                if (reader.TokenType == JsonTokenType.String && (reader.ValueTextEquals("image_url"u8) || reader.ValueTextEquals("input_image"u8)))
                {
                    images++;
                }
                JsonScan.Skip(ref reader);
            }
        }
        return images;
    }

    private static bool ReadTools(ref Utf8JsonReader reader)
    {
        var depth = reader.CurrentDepth;
        var any = false;
        while (JsonScan.Read(ref reader) && reader.CurrentDepth > depth)
        {
            if (reader.CurrentDepth == depth + 1 && reader.TokenType is not (JsonTokenType.EndObject or JsonTokenType.EndArray))
            {
                JsonScan.Expect(ref reader, "tools[]", JsonKinds.Object);
                any = true;
            }
        }
        return any;
    }

    private static string? ReadFormatType(ref Utf8JsonReader reader)
    {
        var depth = reader.CurrentDepth;
        string? type = null;
        while (JsonScan.Read(ref reader) && reader.CurrentDepth > depth)
        {
            if (reader.TokenType == JsonTokenType.PropertyName && reader.CurrentDepth == depth + 1 && reader.ValueTextEquals("type"u8))
            {
                JsonScan.Read(ref reader);
                JsonScan.Expect(ref reader, "response_format.type", JsonKinds.String);
                type = reader.GetString();
            }
        }
        return type;
    }
}
