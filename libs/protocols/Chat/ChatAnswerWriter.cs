using System.Buffers;
using System.Text;
using System.Text.Json;
using GenAiRouter.Protocols.Canonical;

namespace GenAiRouter.Protocols.Chat;

/// <summary>
/// Answer events -> what a Chat Completions client expects: <c>chat.completion.chunk</c>s (the role first, then
/// <c>content</c>, <c>reasoning_content</c> and <c>tool_calls</c> deltas with their index, id and name once and arguments
/// in pieces, a chunk with the <c>finish_reason</c>, the usage chunk when the caller asked with
/// <c>stream_options.include_usage</c>, <c>[DONE]</c>), or one <c>chat.completion</c>.
/// </summary>
public sealed class ChatAnswerWriter(AnswerContext context) : IAnswerWriter
{
    private readonly StringBuilder _text = new();
    private readonly StringBuilder _reasoning = new();
    private readonly SortedDictionary<int, (string Id, string Name, StringBuilder Arguments)> _calls = [];
    private AnswerUsage? _usage;
    private FinishReason _finish = FinishReason.Stop;
    private Failed? _failure;

    public bool Ended { get; private set; }

    public void Start(IBufferWriter<byte> output) =>
        Chunk(output, w =>
        {
            w.WriteString("role", "assistant");
            w.WriteString("content", "");
        });

    public void Write(AnswerEvent e, IBufferWriter<byte> output)
    {
        if (Ended)
        {
            return;
        }
        switch (e)
        {
            case TextDelta text when text.Text.Length > 0:
                _text.Append(text.Text);
                Chunk(output, w => w.WriteString("content", text.Text));
                break;
            case ReasoningDelta reasoning when reasoning.Text.Length > 0:
                _reasoning.Append(reasoning.Text);
                Chunk(output, w => w.WriteString("reasoning_content", reasoning.Text));
                break;
            case ToolCallDelta call:
                ToolCall(call, output);
                break;
            case UsageReported usage:
                _usage = usage.Usage;
                break;
            case Finished finished:
                Ended = true;
                _finish = finished.Reason == FinishReason.Stop && _calls.Count > 0 ? FinishReason.ToolCalls : finished.Reason;
                Chunk(output, _ => { }, FinishText(_finish));
                if (context.StreamUsage && _usage is { } reported && context.Stream)
                {
                    Frame(output, w =>
                    {
                        Head(w, "chat.completion.chunk");
                        w.WriteStartArray("choices");
                        w.WriteEndArray();
                        WriteUsage(w, reported);
                    });
                }
                if (context.Stream)
                {
                    JsonOutput.Frame(output, null, "[DONE]"u8);
                }
                break;
            case Failed failed:
                Ended = true;
                _failure = failed;
                if (context.Stream)
                {
                    Frame(output, w =>
                    {
                        w.WriteStartObject("error");
                        w.WriteString("message", failed.Message);
                        w.WriteString("type", "server_error");
                        w.WriteString("code", failed.Code);
                        w.WriteEndObject();
                    });
                }
                break;
        }
    }

    public (byte[]? Answer, Failed? Failure) Whole()
    {
        if (_failure is not null)
        {
            return (null, _failure);
        }
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var w = new Utf8JsonWriter(buffer, JsonOutput.Options))
        {
            w.WriteStartObject();
            Head(w, "chat.completion");
            w.WriteStartArray("choices");
            w.WriteStartObject();
            w.WriteNumber("index", 0);
            w.WriteStartObject("message");
            w.WriteString("role", "assistant");
            if (_text.Length == 0 && _calls.Count > 0)
            {
                w.WriteNull("content");
            }
            else
            {
                w.WriteString("content", _text.ToString());
            }
            if (_reasoning.Length > 0)
            {
                w.WriteString("reasoning_content", _reasoning.ToString());
            }
            if (_calls.Count > 0)
            {
                w.WriteStartArray("tool_calls");
                foreach (var (_, (id, name, arguments)) in _calls)
                {
                    w.WriteStartObject();
                    w.WriteString("id", id);
                    w.WriteString("type", "function");
                    w.WriteStartObject("function");
                    w.WriteString("name", name);
                    w.WriteString("arguments", arguments.ToString());
                    w.WriteEndObject();
                    w.WriteEndObject();
                }
                w.WriteEndArray();
            }
            w.WriteEndObject();
            w.WriteString("finish_reason", FinishText(_finish));
            w.WriteEndObject();
            w.WriteEndArray();
            if (_usage is { } usage)
            {
                WriteUsage(w, usage);
            }
            w.WriteEndObject();
        }
        return (buffer.WrittenSpan.ToArray(), null);
    }

    private void ToolCall(ToolCallDelta call, IBufferWriter<byte> output)
    {
        var first = !_calls.ContainsKey(call.Index);
        if (first)
        {
            var name = call.Namespace is null ? call.Name ?? "" : $"{call.Namespace}__{call.Name}";
            _calls[call.Index] = (call.Id is { Length: > 0 } id ? id : $"call_{context.ResponseId}_{call.Index}", name, new StringBuilder());
        }
        var state = _calls[call.Index];
        state.Arguments.Append(call.Arguments);
        Chunk(output, w =>
        {
            w.WriteStartArray("tool_calls");
            w.WriteStartObject();
            w.WriteNumber("index", call.Index);
            if (first)
            {
                w.WriteString("id", state.Id);
                w.WriteString("type", "function");
            }
            w.WriteStartObject("function");
            if (first)
            {
                w.WriteString("name", state.Name);
            }
            w.WriteString("arguments", call.Arguments ?? "");
            w.WriteEndObject();
            w.WriteEndObject();
            w.WriteEndArray();
        });
    }

    /// <summary>One chunk with this delta (and finish reason, once).</summary>
    private void Chunk(IBufferWriter<byte> output, Action<Utf8JsonWriter> delta, string? finish = null)
    {
        if (!context.Stream)
        {
            return;
        }
        Frame(output, w =>
        {
            Head(w, "chat.completion.chunk");
            w.WriteStartArray("choices");
            w.WriteStartObject();
            w.WriteNumber("index", 0);
            w.WriteStartObject("delta");
            delta(w);
            w.WriteEndObject();
            if (finish is null)
            {
                w.WriteNull("finish_reason");
            }
            else
            {
                w.WriteString("finish_reason", finish);
            }
            w.WriteEndObject();
            w.WriteEndArray();
        });
    }

    private static void Frame(IBufferWriter<byte> output, Action<Utf8JsonWriter> body)
    {
        var json = new ArrayBufferWriter<byte>(256);
        using (var w = new Utf8JsonWriter(json, JsonOutput.Options))
        {
            w.WriteStartObject();
            body(w);
            w.WriteEndObject();
        }
        JsonOutput.Frame(output, null, json.WrittenSpan);
    }

    private void Head(Utf8JsonWriter w, string type)
    {
        w.WriteString("id", context.ResponseId);
        w.WriteString("object", type);
        w.WriteNumber("created", context.CreatedAt);
        w.WriteString("model", context.Model);
    }

    private static void WriteUsage(Utf8JsonWriter w, AnswerUsage usage)
    {
        w.WriteStartObject("usage");
        w.WriteNumber("prompt_tokens", usage.Input);
        w.WriteNumber("completion_tokens", usage.Output);
        w.WriteNumber("total_tokens", usage.Total);
        w.WriteStartObject("prompt_tokens_details");
        w.WriteNumber("cached_tokens", usage.CachedInput);
        w.WriteEndObject();
        w.WriteStartObject("completion_tokens_details");
        w.WriteNumber("reasoning_tokens", usage.Reasoning);
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static string FinishText(FinishReason reason) => reason switch
    {
        FinishReason.ToolCalls => "tool_calls",
        FinishReason.Length => "length",
        FinishReason.ContentFilter => "content_filter",
        _ => "stop",
    };
}
