using System.Buffers;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace GenAiRouter.Ingress.Doors.Responses;

/// <summary>
/// Turns a cached final response back into the Responses event stream a streaming caller expects:
/// <c>response.created</c>, <c>response.in_progress</c>, per output item <c>output_item.added</c>, its content
/// parts with one <c>output_text.delta</c> each, <c>output_item.done</c>, and <c>response.completed</c> carrying
/// the response exactly as it was cached. Sequence numbers run from 0.
/// </summary>
public static class ResponsesStreamReplay
{
    public static byte[] ToSse(ReadOnlySpan<byte> response)
    {
        var final = JsonNode.Parse(response) as JsonObject ?? throw new JsonException("a cached response is not a JSON object");
        var output = final["output"] as JsonArray ?? [];
        var frames = new Frames();

        var started = (JsonObject)final.DeepClone();
        started["status"] = "in_progress";
        started["output"] = new JsonArray();
        started["usage"] = null;
        frames.Add("response.created", new JsonObject { ["response"] = started.DeepClone() });
        frames.Add("response.in_progress", new JsonObject { ["response"] = started });

        for (var index = 0; index < output.Count; index++)
        {
            if (output[index] is not JsonObject item)
            {
                continue;
            }
            frames.Add("response.output_item.added", new JsonObject { ["output_index"] = index, ["item"] = Opening(item) });
            if (item["type"]?.GetValue<string>() == "message" && item["content"] is JsonArray content)
            {
                ReplayContent(frames, item["id"]?.GetValue<string>() ?? "", index, content);
            }
            frames.Add("response.output_item.done", new JsonObject { ["output_index"] = index, ["item"] = item.DeepClone() });
        }
        frames.AddRaw("response.completed", response);
        return frames.ToArray();
    }

    private static void ReplayContent(Frames frames, string itemId, int outputIndex, JsonArray content)
    {
        for (var part = 0; part < content.Count; part++)
        {
            if (content[part] is not JsonObject whole)
            {
                continue;
            }
            var type = whole["type"]?.GetValue<string>();
            var (field, deltaEvent) = type switch
            {
                "output_text" => ("text", "response.output_text"),
                "refusal" => ("refusal", "response.refusal"),
                _ => (null, null),
            };
            var empty = (JsonObject)whole.DeepClone();
            if (field is not null)
            {
                empty[field] = "";
            }
            if (type == "output_text")
            {
                empty["annotations"] = new JsonArray();
            }
            frames.Add("response.content_part.added", Located(itemId, outputIndex, part, "part", empty));
            if (field is not null && deltaEvent is not null)
            {
                var text = whole[field]?.GetValue<string>() ?? "";
                frames.Add(deltaEvent + ".delta", Located(itemId, outputIndex, part, "delta", text));
                frames.Add(deltaEvent + ".done", Located(itemId, outputIndex, part, field, text));
            }
            frames.Add("response.content_part.done", Located(itemId, outputIndex, part, "part", whole.DeepClone()));
        }
    }

    /// <summary>An item as it looks when it starts: a message with no content yet, in progress.</summary>
    private static JsonObject Opening(JsonObject item)
    {
        var opening = (JsonObject)item.DeepClone();
        if (opening["type"]?.GetValue<string>() == "message")
        {
            opening["content"] = new JsonArray();
            opening["status"] = "in_progress";
        }
        return opening;
    }

    private static JsonObject Located(string itemId, int outputIndex, int contentIndex, string name, JsonNode value) => new()
    {
        ["item_id"] = itemId,
        ["output_index"] = outputIndex,
        ["content_index"] = contentIndex,
        [name] = value,
    };

    /// <summary>SSE frames: <c>event: type</c>, <c>data: {"type", "sequence_number", ...}</c>, blank line.</summary>
    private sealed class Frames
    {
        private readonly ArrayBufferWriter<byte> _buffer = new(4096);
        private int _sequence;

        public void Add(string type, JsonObject fields)
        {
            var data = new JsonObject { ["type"] = type, ["sequence_number"] = _sequence++ };
            foreach (var (name, value) in fields.ToList())
            {
                fields.Remove(name);
                data[name] = value;
            }
            Begin(type);
            using (var writer = new Utf8JsonWriter(_buffer))
            {
                data.WriteTo(writer);
            }
            "\n\n"u8.CopyTo(_buffer.GetSpan(2));
            _buffer.Advance(2);
        }

        /// <summary>A terminal event around the cached response's own bytes.</summary>
        public void AddRaw(string type, ReadOnlySpan<byte> response)
        {
            Begin(type);
            using (var writer = new Utf8JsonWriter(_buffer))
            {
                writer.WriteStartObject();
                writer.WriteString("type", type);
                writer.WriteNumber("sequence_number", _sequence++);
                writer.WritePropertyName("response");
                if (response.IndexOfAny((byte)'\n', (byte)'\r') < 0)
                {
                    writer.WriteRawValue(response, skipInputValidation: true);
                }
                else
                {
                    // An SSE data line cannot hold a line break; JSON has them only as whitespace, so compact it.
                    using var document = JsonDocument.Parse(response.ToArray());
                    document.RootElement.WriteTo(writer);
                }
                writer.WriteEndObject();
            }
            "\n\n"u8.CopyTo(_buffer.GetSpan(2));
            _buffer.Advance(2);
        }

        public byte[] ToArray() => _buffer.WrittenSpan.ToArray();

        private void Begin(string type)
        {
            var header = System.Text.Encoding.UTF8.GetBytes($"event: {type}\ndata: ");
            _buffer.Write(header);
        }
    }
}
