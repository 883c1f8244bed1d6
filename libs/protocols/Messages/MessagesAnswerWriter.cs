using System.Buffers;
using System.Text;
using System.Text.Json;
using GenAiRouter.Protocols.Canonical;

namespace GenAiRouter.Protocols.Messages;

/// <summary>
/// Answer events -> what an Anthropic Messages client expects: <c>message_start</c>, then one content block at a time
/// (<c>content_block_start</c>, its <c>text_delta</c> / <c>thinking_delta</c> / <c>signature_delta</c> /
/// <c>input_json_delta</c> pieces, <c>content_block_stop</c>), <c>message_delta</c> with the stop reason and the usage,
/// <c>message_stop</c>; or one whole <c>message</c>. Reasoning the target keeps opaque goes out as a thinking block's
/// signature, or as a <c>redacted_thinking</c> block when there is no readable thinking, for the caller to give back.
/// Blocks cannot interleave here, so a tool call that starts while another is open is held and sent whole after it.
/// </summary>
public sealed class MessagesAnswerWriter(AnswerContext context) : IAnswerWriter
{
    private readonly List<ContentBlock> _blocks = [];
    private readonly SortedDictionary<int, ContentBlock> _calls = [];
    private ContentBlock? _open;
    private AnswerUsage? _usage;
    private FinishReason _finish = FinishReason.Stop;
    private Failed? _failure;

    public bool Ended { get; private set; }

    private sealed class ContentBlock(string type)
    {
        public string Type { get; } = type;
        public int Index { get; set; } = -1;
        public StringBuilder Text { get; } = new();
        public string? Secret { get; set; }
        public string? Id { get; init; }
        public string? Name { get; init; }
        public bool Closed { get; set; }
        public bool Held { get; set; }
    }

    public void Start(IBufferWriter<byte> output)
    {
        if (!context.Stream)
        {
            return;
        }
        Event(output, "message_start", w =>
        {
            w.WriteStartObject("message");
            w.WriteString("id", context.ResponseId);
            w.WriteString("type", "message");
            w.WriteString("role", "assistant");
            w.WriteString("model", context.Model);
            w.WriteStartArray("content");
            w.WriteEndArray();
            w.WriteNull("stop_reason");
            w.WriteNull("stop_sequence");
            w.WriteStartObject("usage");
            w.WriteNumber("input_tokens", 0);
            w.WriteNumber("output_tokens", 0);
            w.WriteEndObject();
            w.WriteEndObject();
        });
    }

    public void Write(AnswerEvent e, IBufferWriter<byte> output)
    {
        if (Ended)
        {
            return;
        }
        switch (e)
        {
            case TextDelta text when text.Text.Length > 0:
                Append(Open("text", output), text.Text, "text_delta", "text", output);
                break;
            case ReasoningDelta or ReasoningSealed when !context.Reasoning:
                break;
            case ReasoningDelta reasoning when reasoning.Text.Length > 0:
                Append(Open("thinking", output), reasoning.Text, "thinking_delta", "thinking", output);
                break;
            case ReasoningSealed sealedReasoning when _open is { Type: "thinking" } thinking:
                Sign(thinking, sealedReasoning.Carried, output);
                Close(output);
                break;
            case ReasoningSealed sealedReasoning:
                _ = Open("redacted_thinking", output, sealedReasoning.Carried);
                Close(output);
                break;
            case ToolCallDelta call:
                ToolCall(call, output);
                break;
            case UsageReported usage:
                _usage = usage.Usage;
                break;
            case Finished finished:
                Finish(finished.Reason, output);
                break;
            case Failed failed:
                Ended = true;
                _failure = failed;
                if (context.Stream)
                {
                    Event(output, "error", w =>
                    {
                        w.WriteStartObject("error");
                        w.WriteString("type", failed.Code is "overloaded_error" or "rate_limit_error" ? failed.Code : "api_error");
                        w.WriteString("message", failed.Message);
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
            w.WriteString("id", context.ResponseId);
            w.WriteString("type", "message");
            w.WriteString("role", "assistant");
            w.WriteString("model", context.Model);
            w.WriteStartArray("content");
            foreach (var block in _blocks)
            {
                WriteBlock(w, block, whole: true);
            }
            w.WriteEndArray();
            w.WriteString("stop_reason", StopReason());
            w.WriteNull("stop_sequence");
            WriteUsage(w);
            w.WriteEndObject();
        }
        return (buffer.WrittenSpan.ToArray(), null);
    }

    private void ToolCall(ToolCallDelta call, IBufferWriter<byte> output)
    {
        if (!_calls.TryGetValue(call.Index, out var state))
        {
            var name = call.Namespace is null ? call.Name ?? "" : $"{call.Namespace}__{call.Name}";
            state = new ContentBlock("tool_use") { Id = call.Id is { Length: > 0 } id ? id : $"toolu_{context.ResponseId}_{call.Index}", Name = name };
            // Held while another call's block is open; sent whole when it closes.
            state.Held = _open is { Type: "tool_use" };
            if (!state.Held)
            {
                Close(output);
            }
            _calls[call.Index] = state;
            if (!state.Held)
            {
                Begin(state, output);
            }
        }
        if (call.Arguments is not { Length: > 0 } arguments)
        {
            return;
        }
        if (state.Closed)
        {
            // Blocks cannot be reopened: arguments for a call already sent would be lost.
            Write(new Failed("upstream_invalid_response", "The upstream interleaved a tool call's arguments with later content, which the Messages protocol cannot carry."), output);
            return;
        }
        state.Text.Append(arguments);
        if (ReferenceEquals(_open, state))
        {
            Delta(output, state, w =>
            {
                w.WriteString("type", "input_json_delta");
                w.WriteString("partial_json", arguments);
            });
        }
    }

    private void Finish(FinishReason reason, IBufferWriter<byte> output)
    {
        Close(output);
        Ended = true;
        _finish = reason;
        if (!context.Stream)
        {
            return;
        }
        Event(output, "message_delta", w =>
        {
            w.WriteStartObject("delta");
            w.WriteString("stop_reason", StopReason());
            w.WriteNull("stop_sequence");
            w.WriteEndObject();
            WriteUsage(w);
        });
        Event(output, "message_stop", _ => { });
    }

    private string StopReason() => _finish switch
    {
        FinishReason.Length => "max_tokens",
        FinishReason.ContentFilter => "refusal",
        _ when _calls.Count > 0 => "tool_use",
        _ => "end_turn",
    };

    /// <summary>The open block if it is of this type; else the open one closed and a new one begun.</summary>
    private ContentBlock Open(string type, IBufferWriter<byte> output, string? secret = null)
    {
        if (_open is { } open && open.Type == type && secret is null)
        {
            return open;
        }
        Close(output);
        var block = new ContentBlock(type) { Secret = secret };
        Begin(block, output);
        return block;
    }

    private void Begin(ContentBlock block, IBufferWriter<byte> output)
    {
        block.Index = _blocks.Count;
        _blocks.Add(block);
        _open = block;
        if (context.Stream)
        {
            Event(output, "content_block_start", w =>
            {
                w.WriteNumber("index", block.Index);
                w.WritePropertyName("content_block");
                WriteBlock(w, block, whole: false);
            });
        }
    }

    /// <summary>
    /// A thinking block's signature. Thinking a target left unsigned (a chat model's) is signed as readable only, so
    /// that no Messages target is ever handed a thinking block without a signature it can check.
    /// </summary>
    private void Sign(ContentBlock thinking, string signature, IBufferWriter<byte> output)
    {
        thinking.Secret = signature;
        Delta(output, thinking, w =>
        {
            w.WriteString("type", "signature_delta");
            w.WriteString("signature", signature);
        });
    }

    /// <summary>Closes the open block, then sends whole each call that was held while it was open.</summary>
    private void Close(IBufferWriter<byte> output)
    {
        if (_open is not { } open)
        {
            return;
        }
        if (open is { Type: "thinking", Secret: null })
        {
            Sign(open, ReasoningCarrier.Readable(open.Text.ToString()), output);
        }
        open.Closed = true;
        _open = null;
        if (context.Stream)
        {
            Event(output, "content_block_stop", w => w.WriteNumber("index", open.Index));
        }
        foreach (var held in _calls.Values.Where(c => c.Held && c.Index < 0).ToList())
        {
            Begin(held, output);
            if (held.Text.Length > 0)
            {
                Delta(output, held, w =>
                {
                    w.WriteString("type", "input_json_delta");
                    w.WriteString("partial_json", held.Text.ToString());
                });
            }
            held.Closed = true;
            _open = null;
            if (context.Stream)
            {
                Event(output, "content_block_stop", w => w.WriteNumber("index", held.Index));
            }
        }
    }

    private void Append(ContentBlock block, string text, string deltaType, string field, IBufferWriter<byte> output)
    {
        block.Text.Append(text);
        Delta(output, block, w =>
        {
            w.WriteString("type", deltaType);
            w.WriteString(field, text);
        });
    }

    private void Delta(IBufferWriter<byte> output, ContentBlock block, Action<Utf8JsonWriter> delta)
    {
        if (!context.Stream)
        {
            return;
        }
        Event(output, "content_block_delta", w =>
        {
            w.WriteNumber("index", block.Index);
            w.WriteStartObject("delta");
            delta(w);
            w.WriteEndObject();
        });
    }

    /// <summary>A block as it starts a stream (empty, to be filled by deltas) or as a whole answer holds it.</summary>
    private static void WriteBlock(Utf8JsonWriter w, ContentBlock block, bool whole)
    {
        w.WriteStartObject();
        w.WriteString("type", block.Type);
        switch (block.Type)
        {
            case "text":
                w.WriteString("text", whole ? block.Text.ToString() : "");
                break;
            case "thinking":
                w.WriteString("thinking", whole ? block.Text.ToString() : "");
                w.WriteString("signature", whole ? block.Secret ?? "" : "");
                break;
            case "redacted_thinking":
                w.WriteString("data", block.Secret ?? "");
                break;
            case "tool_use":
                w.WriteString("id", block.Id);
                w.WriteString("name", block.Name);
                w.WritePropertyName("input");
                if (whole && block.Text.Length > 0 && JsonRead.ParseObject(Encoding.UTF8.GetBytes(block.Text.ToString())) is { } input)
                {
                    input.WriteTo(w);
                }
                else
                {
                    w.WriteStartObject();
                    w.WriteEndObject();
                }
                break;
        }
        w.WriteEndObject();
    }

    /// <summary>Anthropic counts cache reads and writes apart from <c>input_tokens</c>.</summary>
    private void WriteUsage(Utf8JsonWriter w)
    {
        var usage = _usage ?? new AnswerUsage(0, 0, 0, 0);
        w.WriteStartObject("usage");
        w.WriteNumber("input_tokens", Math.Max(0, usage.Input - usage.CachedInput - usage.CacheWrite));
        w.WriteNumber("cache_creation_input_tokens", usage.CacheWrite);
        w.WriteNumber("cache_read_input_tokens", usage.CachedInput);
        w.WriteNumber("output_tokens", usage.Output);
        w.WriteEndObject();
    }

    private static void Event(IBufferWriter<byte> output, string type, Action<Utf8JsonWriter> body)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var w = new Utf8JsonWriter(buffer, JsonOutput.Options))
        {
            w.WriteStartObject();
            w.WriteString("type", type);
            body(w);
            w.WriteEndObject();
        }
        JsonOutput.Frame(output, type, buffer.WrittenSpan);
    }
}
