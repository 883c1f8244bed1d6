using System.Collections.Frozen;
using System.Text.Json;
using GenAiRouter.Routing;

namespace GenAiRouter.Ingress.Doors.Responses;

/// <summary>
/// Reads what routing needs from a Responses request body in one forward pass, without building a document: the
/// group (<c>model</c>) and the shape (tools, hosted tools, images anywhere in the input, reasoning effort, stream,
/// structured output, <c>previous_response_id</c>). The same pass proves the body sound: every string valid Unicode,
/// every known field of the type the API defines. A bad body is a 400 here, before anything is routed.
/// </summary>
public static class ResponsesRequestClassifier
{
    // Tools the model's provider runs itself; everything else (function, custom, namespace, local_shell) runs in the client.
    public static readonly FrozenSet<string> HostedToolTypes = FrozenSet.Create(StringComparer.Ordinal,
        "web_search", "web_search_preview", "web_search_2025_08_26", "web_search_preview_2025_03_11", "file_search",
        "code_interpreter", "image_generation", "computer_use", "computer_use_preview", "mcp");

    private enum Field
    {
        Other,
        Model,
        Input,
        Stream,
        Store,
        Background,
        PreviousResponseId,
        Tools,
        Reasoning,
        Text,
        PromptCacheKey,
    }

    private const JsonKinds Optional = JsonKinds.Null;

    // The fields of the Responses API and the JSON kinds each may hold; unknown fields pass through unchecked.
    private static readonly FieldTable<Field> Fields = new(
    [
        ("model", Field.Model, JsonKinds.String),
        ("input", Field.Input, JsonKinds.String | JsonKinds.Array),
        ("stream", Field.Stream, JsonKinds.Boolean | Optional),
        ("store", Field.Store, JsonKinds.Boolean | Optional),
        ("background", Field.Background, JsonKinds.Boolean | Optional),
        ("previous_response_id", Field.PreviousResponseId, JsonKinds.String | Optional),
        ("tools", Field.Tools, JsonKinds.Array | Optional),
        ("reasoning", Field.Reasoning, JsonKinds.Object | Optional),
        ("text", Field.Text, JsonKinds.Object | Optional),
        ("instructions", Field.Other, JsonKinds.String | Optional),
        ("tool_choice", Field.Other, JsonKinds.String | JsonKinds.Object | Optional),
        ("parallel_tool_calls", Field.Other, JsonKinds.Boolean | Optional),
        ("max_output_tokens", Field.Other, JsonKinds.Number | Optional),
        ("max_tool_calls", Field.Other, JsonKinds.Number | Optional),
        ("temperature", Field.Other, JsonKinds.Number | Optional),
        ("top_p", Field.Other, JsonKinds.Number | Optional),
        ("top_logprobs", Field.Other, JsonKinds.Number | Optional),
        ("metadata", Field.Other, JsonKinds.Object | Optional),
        ("include", Field.Other, JsonKinds.Array | Optional),
        ("prompt_cache_key", Field.PromptCacheKey, JsonKinds.String | Optional),
        ("prompt_cache_retention", Field.Other, JsonKinds.String | Optional),
        ("safety_identifier", Field.Other, JsonKinds.String | Optional),
        ("user", Field.Other, JsonKinds.String | Optional),
        ("truncation", Field.Other, JsonKinds.String | Optional),
        ("service_tier", Field.Other, JsonKinds.String | Optional),
        ("stream_options", Field.Other, JsonKinds.Object | Optional),
        ("client_metadata", Field.Other, JsonKinds.Object | Optional),
        ("conversation", Field.Other, JsonKinds.String | JsonKinds.Object | Optional),
        ("prompt", Field.Other, JsonKinds.Object | Optional),
    ]);

    /// <exception cref="BadRequestBodyException">The body cannot be routed; the message says why, for the caller.</exception>
    public static DoorRequest Classify(ReadOnlySpan<byte> body) => JsonScan.Classify(body, ReadCore);

    private static DoorRequest ReadCore(ReadOnlySpan<byte> body)
    {
        var reader = JsonScan.Open(body);
        string? group = null;
        Range modelValue = default;
        var shape = new RequestShape();
        bool store = false, background = false;
        string? session = null;
        List<SealedItem>? sealedItems = null;
        while (Fields.Next(ref reader, out var field))
        {
            switch (field)
            {
                case Field.Model:
                    (group, modelValue) = ModelField.Read(ref reader);
                    break;
                case Field.Stream:
                    shape = shape with { Stream = reader.TokenType == JsonTokenType.True };
                    break;
                case Field.Store:
                    store = reader.TokenType == JsonTokenType.True;
                    break;
                case Field.Background:
                    background = reader.TokenType == JsonTokenType.True;
                    break;
                case Field.PreviousResponseId:
                    shape = shape with { PreviousResponseId = reader.TokenType == JsonTokenType.String && reader.ValueSpan.Length > 0 };
                    break;
                case Field.Tools when reader.TokenType == JsonTokenType.StartArray:
                    shape = ReadTools(ref reader, shape);
                    break;
                case Field.Reasoning when reader.TokenType == JsonTokenType.StartObject:
                    shape = shape with { ReasoningEffort = ReadMember(ref reader, "effort"u8, "reasoning.effort", JsonKinds.String | Optional) };
                    break;
                case Field.Text when reader.TokenType == JsonTokenType.StartObject:
                    shape = shape with { StructuredOutput = ReadFormatType(ref reader) is "json_schema" or "json_object" };
                    break;
                case Field.Input when reader.TokenType == JsonTokenType.StartArray:
                    (var images, sealedItems) = ReadInput(ref reader);
                    shape = shape with { ImageCount = images };
                    break;
                case Field.PromptCacheKey:
                    // Codex, opencode, pi, Copilot CLI and droid set it to their session id.
                    session = reader.TokenType == JsonTokenType.String && reader.ValueSpan.Length is > 0 and <= 512 ? reader.GetString() : null;
                    break;
                default:
                    JsonScan.Skip(ref reader);
                    break;
            }
        }
        JsonScan.End(ref reader);
        JsonScan.Require(!string.IsNullOrEmpty(group), "model", "the model group to use");
        return new DoorRequest(group, modelValue, shape, store, background, session, sealedItems);
    }

    private static RequestShape ReadTools(ref Utf8JsonReader reader, RequestShape shape)
    {
        var depth = reader.CurrentDepth;
        while (JsonScan.Read(ref reader) && reader.CurrentDepth > depth)
        {
            if (reader.CurrentDepth == depth + 1 && reader.TokenType is not (JsonTokenType.EndObject or JsonTokenType.EndArray))
            {
                JsonScan.Expect(ref reader, "tools[]", JsonKinds.Object);
            }
            else if (reader.TokenType == JsonTokenType.PropertyName && reader.CurrentDepth == depth + 2 && reader.ValueTextEquals("type"u8))
            {
                JsonScan.Read(ref reader);
                JsonScan.Expect(ref reader, "tools[].type", JsonKinds.String);
                shape = HostedToolTypes.Contains(reader.GetString()!) ? shape with { HostedTools = true } : shape with { FunctionTools = true };
            }
        }
        return shape;
    }

    /// <summary>
    /// Reads the input items: images anywhere in them, however deep (earlier turns of a conversation carry theirs
    /// again), and the items that carry encrypted reasoning back, with where each sits.
    /// </summary>
    private static (int Images, List<SealedItem>? Sealed) ReadInput(ref Utf8JsonReader reader)
    {
        List<SealedItem>? sealedItems = null;
        var depth = reader.CurrentDepth;
        var images = 0;
        int itemStart = -1, previousEnd = -1, valueStart = -1, valueLength = 0;
        string? boundary = null;
        while (JsonScan.Read(ref reader) && reader.CurrentDepth > depth)
        {
            if (reader.CurrentDepth == depth + 1)
            {
                if (reader.TokenType is JsonTokenType.EndObject or JsonTokenType.EndArray)
                {
                    EndItem(ref reader);
                }
                else
                {
                    // An item begins: the previous sealed item now knows its neighbour.
                    itemStart = (int)reader.TokenStartIndex;
                    if (sealedItems is [.., { NextStart: -1 } last] && last.End == previousEnd)
                    {
                        sealedItems[^1] = last with { NextStart = itemStart };
                    }
                    if (reader.TokenType is not (JsonTokenType.StartObject or JsonTokenType.StartArray))
                    {
                        EndItem(ref reader);
                    }
                }
            }
            else if (reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.CurrentDepth == depth + 2 && reader.ValueTextEquals("encrypted_content"u8))
                {
                    JsonScan.Read(ref reader);
                    if (reader.TokenType == JsonTokenType.String && !reader.ValueIsEscaped)
                    {
                        valueStart = (int)reader.TokenStartIndex + 1;
                        valueLength = reader.ValueSpan.Length;
                        boundary = ReasoningSeals.BoundaryOf(reader.ValueSpan);
                    }
                    JsonScan.Skip(ref reader);
                }
                else if (reader.ValueTextEquals("type"u8))
                {
                    JsonScan.Read(ref reader);
                    if (reader.TokenType == JsonTokenType.String && reader.ValueTextEquals("input_image"u8))
                    {
                        images++;
                    }
                    JsonScan.Skip(ref reader);
                }
            }
        }
        return (images, sealedItems);

        void EndItem(ref Utf8JsonReader reader)
        {
            var end = (int)reader.BytesConsumed;
            if (valueStart >= 0)
            {
                (sealedItems ??= []).Add(new SealedItem(itemStart, end, previousEnd, -1, valueStart, valueLength, boundary));
            }
            previousEnd = end;
            valueStart = -1;
            boundary = null;
        }
    }

    /// <summary>One member of the object the reader is on (the rest checked and skipped).</summary>
    private static string? ReadMember(ref Utf8JsonReader reader, ReadOnlySpan<byte> member, string field, JsonKinds kinds)
    {
        var depth = reader.CurrentDepth;
        string? value = null;
        while (JsonScan.Read(ref reader) && reader.CurrentDepth > depth)
        {
            if (reader.TokenType == JsonTokenType.PropertyName && reader.CurrentDepth == depth + 1 && reader.ValueTextEquals(member))
            {
                JsonScan.Read(ref reader);
                JsonScan.Expect(ref reader, field, kinds);
                value = JsonScan.StringOrNull(ref reader);
                JsonScan.Skip(ref reader);
            }
        }
        return value;
    }

    private static string? ReadFormatType(ref Utf8JsonReader reader)
    {
        var depth = reader.CurrentDepth;
        string? type = null;
        while (JsonScan.Read(ref reader) && reader.CurrentDepth > depth)
        {
            if (reader.TokenType == JsonTokenType.PropertyName && reader.CurrentDepth == depth + 1 && reader.ValueTextEquals("format"u8))
            {
                JsonScan.Read(ref reader);
                JsonScan.Expect(ref reader, "text.format", JsonKinds.Object | Optional);
                if (reader.TokenType == JsonTokenType.StartObject)
                {
                    type = ReadMember(ref reader, "type"u8, "text.format.type", JsonKinds.String);
                }
            }
        }
        return type;
    }
}
