using System.Text;
using System.Text.Json;
using GenAiRouter.Catalog.Routing;

namespace GenAiRouter.Ingress;

/// <summary>
/// A Responses request as routing sees it: the group it names, where that name sits, and its shape; and what the
/// cache must know besides: whether the caller asked the upstream to store the response or run it in the background.
/// </summary>
public sealed record ClassifiedRequest(string Group, Range ModelValue, RequestShape Shape, bool Store = false, bool Background = false);

/// <summary>
/// Reads what routing needs from a Responses request body in one forward pass, without building a document:
/// the group (<c>model</c>), and the shape (tools, hosted tools, images, reasoning effort, stream,
/// structured output, <c>previous_response_id</c>).
/// </summary>
public static class RequestClassifier
{
    // Tools the model's provider runs itself; everything else (function, custom, namespace, local_shell) runs in the client.
    private static readonly HashSet<string> HostedToolTypes = new(StringComparer.Ordinal)
    {
        "web_search", "web_search_preview", "web_search_2025_08_26", "web_search_preview_2025_03_11", "file_search",
        "code_interpreter", "image_generation", "computer_use", "computer_use_preview", "mcp",
    };

    /// <returns>The classified request, or the reason and parameter it cannot be served for.</returns>
    public static (ClassifiedRequest? Request, string? Error, string? Param) Classify(ReadOnlySpan<byte> body)
    {
        try
        {
            return ClassifyCore(body);
        }
        catch (JsonException)
        {
            return (null, "The request body is not valid JSON.", null);
        }
    }

    /// <summary>The body with the group name replaced by the upstream's model name; the rest byte for byte.</summary>
    public static byte[] WithModel(ReadOnlySpan<byte> body, Range modelValue, string upstreamModel)
    {
        var (start, length) = modelValue.GetOffsetAndLength(body.Length);
        var encoded = JsonEncodedText.Encode(upstreamModel).EncodedUtf8Bytes;
        var result = new byte[body.Length - length + encoded.Length + 2];
        body[..start].CopyTo(result);
        result[start] = (byte)'"';
        encoded.CopyTo(result.AsSpan(start + 1));
        result[start + 1 + encoded.Length] = (byte)'"';
        body[(start + length)..].CopyTo(result.AsSpan(start + encoded.Length + 2));
        return result;
    }

    private static (ClassifiedRequest?, string?, string?) ClassifyCore(ReadOnlySpan<byte> body)
    {
        var reader = new Utf8JsonReader(body, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow });
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return (null, "The request body must be a JSON object.", null);
        }
        string? group = null;
        Range modelValue = default;
        var shape = new RequestShape();
        bool store = false, background = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.GetString();
            reader.Read();
            switch (name)
            {
                case "model" when reader.TokenType == JsonTokenType.String:
                    group = reader.GetString();
                    modelValue = new Range((int)reader.TokenStartIndex, (int)reader.BytesConsumed);
                    break;
                case "model":
                    return (null, "'model' must be a string naming a model group.", "model");
                case "stream":
                    shape = shape with { Stream = reader.TokenType == JsonTokenType.True };
                    break;
                case "store":
                    store = reader.TokenType == JsonTokenType.True;
                    break;
                case "background":
                    background = reader.TokenType == JsonTokenType.True;
                    break;
                case "previous_response_id":
                    shape = shape with { PreviousResponseId = reader.TokenType == JsonTokenType.String && reader.ValueSpan.Length > 0 };
                    break;
                case "tools" when reader.TokenType == JsonTokenType.StartArray:
                    shape = ReadTools(ref reader, shape);
                    break;
                case "reasoning" when reader.TokenType == JsonTokenType.StartObject:
                    shape = shape with { ReasoningEffort = ReadStringProperty(ref reader, "effort") };
                    break;
                case "text" when reader.TokenType == JsonTokenType.StartObject:
                    shape = shape with { StructuredOutput = ReadFormatType(ref reader) is "json_schema" or "json_object" };
                    break;
                case "input" when reader.TokenType == JsonTokenType.StartArray:
                    shape = shape with { ImageCount = CountImages(ref reader) };
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }
        if (string.IsNullOrEmpty(group))
        {
            return (null, "Missing required parameter: 'model' (the model group to use).", "model");
        }
        return (new ClassifiedRequest(group, modelValue, shape, store, background), null, null);
    }

    private static RequestShape ReadTools(ref Utf8JsonReader reader, RequestShape shape)
    {
        var depth = reader.CurrentDepth;
        while (reader.Read() && reader.CurrentDepth > depth)
        {
            if (reader.TokenType == JsonTokenType.PropertyName && reader.CurrentDepth == depth + 2 && reader.ValueTextEquals("type"u8))
            {
                reader.Read();
                var type = reader.GetString() ?? "";
                shape = HostedToolTypes.Contains(type) ? shape with { HostedTools = true } : shape with { FunctionTools = true };
            }
            else if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray && reader.CurrentDepth > depth + 1)
            {
                reader.Skip();
            }
        }
        return shape;
    }

    private static int CountImages(ref Utf8JsonReader reader)
    {
        var depth = reader.CurrentDepth;
        var images = 0;
        while (reader.Read() && reader.CurrentDepth > depth)
        {
            if (reader.TokenType == JsonTokenType.PropertyName && reader.ValueTextEquals("type"u8))
            {
                reader.Read();
                if (reader.ValueTextEquals("input_image"u8))
                {
                    images++;
                }
            }
        }
        return images;
    }

    private static string? ReadStringProperty(ref Utf8JsonReader reader, string property)
    {
        var depth = reader.CurrentDepth;
        string? value = null;
        while (reader.Read() && reader.CurrentDepth > depth)
        {
            if (reader.TokenType == JsonTokenType.PropertyName && reader.CurrentDepth == depth + 1 && reader.ValueTextEquals(Encoding.UTF8.GetBytes(property)))
            {
                reader.Read();
                value = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
            }
            else if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
            {
                reader.Skip();
            }
        }
        return value;
    }

    private static string? ReadFormatType(ref Utf8JsonReader reader)
    {
        var depth = reader.CurrentDepth;
        string? type = null;
        while (reader.Read() && reader.CurrentDepth > depth)
        {
            if (reader.TokenType == JsonTokenType.PropertyName && reader.CurrentDepth == depth + 1 && reader.ValueTextEquals("format"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.StartObject)
                {
                    type = ReadStringProperty(ref reader, "type");
                }
                else
                {
                    reader.Skip();
                }
            }
            else if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
            {
                reader.Skip();
            }
        }
        return type;
    }
}
