using System.Text;

namespace GenAiRouter.Bench.Load;

/// <summary>Small, realistic answers: one assistant message with usage, as JSON and as an event stream.</summary>
public static class CannedAnswers
{
    private const string Response =
        """{"id":"resp_bench","object":"response","created_at":1764000000,"status":"completed","model":"bench-model","output":[{"type":"message","id":"msg_1","role":"assistant","status":"completed","content":[{"type":"output_text","text":"Hello! How can I help you today?","annotations":[]}]}],"usage":{"input_tokens":12,"input_tokens_details":{"cached_tokens":0},"output_tokens":9,"output_tokens_details":{"reasoning_tokens":0},"total_tokens":21}}""";

    public static readonly byte[] ResponseJson = Encoding.UTF8.GetBytes(Response);

    public static readonly byte[] ResponseEvents = Encoding.UTF8.GetBytes(
        """event: response.created""" + "\n" + """data: {"type":"response.created","sequence_number":0,"response":{"id":"resp_bench","object":"response","created_at":1764000000,"status":"in_progress","output":[]}}""" + "\n\n" +
        """event: response.output_item.added""" + "\n" + """data: {"type":"response.output_item.added","sequence_number":1,"output_index":0,"item":{"type":"message","id":"msg_1","role":"assistant","status":"in_progress","content":[]}}""" + "\n\n" +
        """event: response.output_text.delta""" + "\n" + """data: {"type":"response.output_text.delta","sequence_number":2,"item_id":"msg_1","output_index":0,"content_index":0,"delta":"Hello! How can I help you today?"}""" + "\n\n" +
        """event: response.output_item.done""" + "\n" + """data: {"type":"response.output_item.done","sequence_number":3,"output_index":0,"item":{"type":"message","id":"msg_1","role":"assistant","status":"completed","content":[{"type":"output_text","text":"Hello! How can I help you today?","annotations":[]}]}}""" + "\n\n" +
        """event: response.completed""" + "\n" + """data: {"type":"response.completed","sequence_number":4,"response":""" + Response + "}\n\n");

    public static readonly byte[] ChatJson = Encoding.UTF8.GetBytes(
        """{"id":"chatcmpl-bench","object":"chat.completion","created":1764000000,"model":"bench-model","choices":[{"index":0,"message":{"role":"assistant","content":"Hello! How can I help you today?"},"finish_reason":"stop"}],"usage":{"prompt_tokens":12,"completion_tokens":9,"total_tokens":21}}""");

    public static readonly byte[] ChatChunks = Encoding.UTF8.GetBytes(
        """data: {"id":"chatcmpl-bench","object":"chat.completion.chunk","created":1764000000,"model":"bench-model","choices":[{"index":0,"delta":{"role":"assistant","content":"Hello! How can I help you today?"},"finish_reason":null}]}""" + "\n\n" +
        """data: {"id":"chatcmpl-bench","object":"chat.completion.chunk","created":1764000000,"model":"bench-model","choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"usage":{"prompt_tokens":12,"completion_tokens":9,"total_tokens":21}}""" + "\n\n" +
        "data: [DONE]\n\n");

    public static readonly byte[] MessageJson = Encoding.UTF8.GetBytes(
        """{"id":"msg_bench","type":"message","role":"assistant","model":"bench-model","content":[{"type":"text","text":"Hello! How can I help you today?"}],"stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":12,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":9}}""");

    public static readonly byte[] MessageEvents = Encoding.UTF8.GetBytes(
        """event: message_start""" + "\n" + """data: {"type":"message_start","message":{"id":"msg_bench","type":"message","role":"assistant","model":"bench-model","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":12,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":1}}}""" + "\n\n" +
        """event: content_block_start""" + "\n" + """data: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}""" + "\n\n" +
        """event: content_block_delta""" + "\n" + """data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hello! How can I help you today?"}}""" + "\n\n" +
        """event: content_block_stop""" + "\n" + """data: {"type":"content_block_stop","index":0}""" + "\n\n" +
        """event: message_delta""" + "\n" + """data: {"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":9}}""" + "\n\n" +
        """event: message_stop""" + "\n" + """data: {"type":"message_stop"}""" + "\n\n");
}
