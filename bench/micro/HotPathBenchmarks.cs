using System.Text;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using GenAiRouter.Contracts.V1;
using GenAiRouter.Ingress.Auth;
using GenAiRouter.Ingress.Caching;
using GenAiRouter.Ingress.Doors;
using GenAiRouter.Ingress.Doors.Chat;
using GenAiRouter.Ingress.Doors.Messages;
using GenAiRouter.Ingress.Doors.Responses;
using GenAiRouter.Ingress.Routing;
using GenAiRouter.Ingress.Telemetry;
using GenAiRouter.Protocols;
using GenAiRouter.Protocols.Canonical;
using GenAiRouter.Protocols.Chat;
using GenAiRouter.Protocols.Messages;
using GenAiRouter.Protocols.Responses;
using GenAiRouter.Routing;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.AspNetCore.Http;

namespace GenAiRouter.Bench.Micro;

/// <summary>What ingress (and the bridge) do for every request, one piece at a time, with what each allocates.</summary>
[MemoryDiagnoser]
[ShortRunJob]
public class HotPathBenchmarks
{
    private const string Token = "rtr_metrum_alice_web_dev_k3y1d2ab9x_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ";
    private static readonly byte[] ShortBody = """{"model":"coder","input":"Say hello in five words.","stream":true}"""u8.ToArray();
    private readonly byte[] _codexBody = File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "codex-request.json"));
    private readonly byte[] _chatBody = File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "chat-request.json"));
    private readonly Target _responsesTarget = new() { Name = "gpt", Api = Protocol.Responses, Model = "gpt-5.1-codex", Capabilities = { Capability.Tools, Capability.Streaming } };
    private readonly byte[] _chatStream = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Range(0, 40).Select(_ =>
        "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"word \"},\"finish_reason\":null}]}\n\n"))
        + "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n"
        + "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\",\"choices\":[],\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":40,\"total_tokens\":52}}\n\ndata: [DONE]\n\n");
    private readonly byte[] _responsesDelta = """{"type":"response.output_text.delta","sequence_number":3,"item_id":"msg_1","output_index":0,"content_index":0,"delta":"word "}"""u8.ToArray();
    private readonly byte[] _claudeBody = File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "claude-code-request.json"));
    private readonly byte[] _signatureDelta = "data: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"signature_delta\",\"signature\":\"EqQBCkgIARABGAIiQL2lo\"}}\n\n"u8.ToArray();
    private static readonly byte[] ShortChat = """{"model":"coder","messages":[{"role":"user","content":"Say hello in five words."}],"stream":true}"""u8.ToArray();
    private static readonly byte[] ShortMessages = """{"model":"coder","max_tokens":256,"messages":[{"role":"user","content":"Say hello in five words."}],"stream":true}"""u8.ToArray();
    private static readonly byte[] ChatAnswer = """{"id":"c","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"Hello there, how are you?"},"finish_reason":"stop"}],"usage":{"prompt_tokens":12,"completion_tokens":9,"total_tokens":21}}"""u8.ToArray();
    private static readonly byte[] MessagesAnswer = """{"id":"msg_1","type":"message","role":"assistant","model":"m","content":[{"type":"text","text":"Hello there, how are you?"}],"stop_reason":"end_turn","usage":{"input_tokens":12,"output_tokens":9}}"""u8.ToArray();
    private readonly byte[] _messagesStream = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Range(0, 40).Select(_ =>
        "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"word \"}}\n\n"))
        + "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n"
        + "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},\"usage\":{\"output_tokens\":40}}\n\nevent: message_stop\ndata: {\"type\":\"message_stop\"}\n\n");
    private readonly ChatDoor _chatDoor = new();
    private readonly MessagesDoor _messagesDoor = new();
    private readonly HttpContext _http = new DefaultHttpContext();
    private readonly TargetHealth _health = new(TimeProvider.System);
    private readonly ResponsesDoor _door = new();
    private readonly Group _group = new() { Name = "coder" };
    private readonly RequestShape _shape = new() { FunctionTools = true, Stream = true, ReasoningEffort = "high" };
    private readonly byte[] _sse = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Range(0, 40).Select(i =>
        $"event: response.output_text.delta\ndata: {{\"type\":\"response.output_text.delta\",\"sequence_number\":{i},\"item_id\":\"msg_1\",\"output_index\":0,\"content_index\":0,\"delta\":\"word \"}}\n\n"))
        + "event: response.completed\ndata: {\"type\":\"response.completed\",\"sequence_number\":41,\"response\":{\"id\":\"r\",\"status\":\"completed\",\"output\":[],\"usage\":{\"input_tokens\":12,\"output_tokens\":40}}}\n\n");
    private readonly byte[] _cached = """{"id":"r","object":"response","status":"completed","output":[{"type":"message","id":"m","role":"assistant","status":"completed","content":[{"type":"output_text","text":"Hello there, how are you?","annotations":[]}]}],"usage":{"input_tokens":12,"output_tokens":9}}"""u8.ToArray();
    private readonly ModelCatalog _models = new();
    private readonly CatalogSnapshot _twentyGroups = new() { Issuer = "metrum", Version = 1 };
    private readonly Caller _twentyGroupCaller = new() { KeyId = "k", User = "alice", Project = "web", Env = "dev" };
    private byte[] _chatChunk = [];
    private CallerAuthenticator _authenticator = null!;
    private Range _modelValue;

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _http.Request.Headers.Authorization = "Bearer " + Token;
        var caller = new Caller { KeyId = "k3y1d2ab9x", User = "alice", Project = "web", Env = "dev", ExpiresAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddDays(1)) };
        caller.Grants.Add(new GroupGrant { Group = "coder", Reasoning = true });
        _authenticator = new CallerAuthenticator(new CallerTokens.CallerTokensClient(new AcceptingInvoker(caller)), TelemetryBenchmarks.Metrics(), TimeProvider.System);
        await _authenticator.AuthenticateAsync(CallerCredentials.Bearer(_http.Request), default);
        for (var i = 0; i < 3; i++)
        {
            _group.Targets.Add(new Target { Name = $"t{i}", Api = Protocol.Responses, Priority = i, Weight = 1, Capabilities = { Capability.Tools, Capability.Reasoning, Capability.Streaming } });
        }
        _chatChunk = """{"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"word "},"finish_reason":null}]}"""u8.ToArray();
        _modelValue = ResponsesRequestClassifier.Classify(_codexBody).ModelValue;
        for (var i = 0; i < 20; i++)
        {
            var group = new Group { Name = $"group-{i}", Description = "A coding group", ContextWindow = 200_000, Instructions = new string('p', 4000), Reasoning = new ReasoningLevels { Levels = { "low", "medium", "high" }, DefaultLevel = "medium" } };
            group.Targets.Add(new Target { Name = "t", Api = Protocol.Responses, Capabilities = { Capability.Images } });
            _twentyGroups.Groups.Add(group);
            _twentyGroupCaller.Grants.Add(new GroupGrant { Group = group.Name, Reasoning = i % 2 == 0 });
        }
    }

    [Benchmark(Description = "auth: cached caller token")]
    public ValueTask<AuthenticationResult> AuthCacheHit() => _authenticator.AuthenticateAsync(CallerCredentials.Bearer(_http.Request), default);

    [Benchmark(Description = "read + check: short request")]
    public DoorRequest ReadShort() => ResponsesRequestClassifier.Classify(ShortBody);

    [Benchmark(Description = "read + check: 40 KB Codex request")]
    public DoorRequest ReadCodex() => ResponsesRequestClassifier.Classify(_codexBody);

    [Benchmark(Description = "model swap: 40 KB Codex request")]
    public byte[] WithModelCodex() => ModelSwap.Apply(_codexBody, _modelValue, "gpt-5.1-codex");

    [Benchmark(Description = "select targets: gate + order 3")]
    public IReadOnlyList<Target> SelectTargets() => _health.Order(TargetGating.Gate(_group, _shape, Protocol.Responses, bridgeEnabled: true).Eligible);

    [Benchmark(Description = "select targets: session affinity over 3")]
    public IReadOnlyList<Target> SelectBySession() => _health.Order(TargetGating.Gate(_group, _shape, Protocol.Responses, bridgeEnabled: true).Eligible, "019a3f2c-session-of-codex");

    [Benchmark(Description = "models: catalog document, 20 groups")]
    public byte[] CatalogDocument() => ModelCatalog.Document(_twentyGroupCaller, _twentyGroups);

    [Benchmark(Description = "models: etag of a known view (every answer)")]
    public string CatalogETag() => _models.For(_twentyGroupCaller, _twentyGroups).ETag;

    [Benchmark(Description = "usage: scan a 42-event SSE stream")]
    public UpstreamUsage? ScanSse()
    {
        using var scanner = new ResponsesUsageScanner();
        scanner.Observe(_sse);
        return scanner.Usage;
    }

    [Benchmark(Description = "bridge: translate one chat chunk to Responses events")]
    public int TranslateChunk()
    {
        var output = new System.Buffers.ArrayBufferWriter<byte>(1024);
        var writer = new ResponsesAnswerWriter(new AnswerContext("resp_1", "m", 1, Stream: true, StreamUsage: false));
        writer.Start(output);
        writer.WriteAll(new ChatAnswerReader(new ToolNames()).OnData(_chatChunk), output);
        return output.WrittenCount;
    }

    [Benchmark(Description = "chat door: read + check a short request")]
    public DoorRequest ReadChatShort() => ChatRequestClassifier.Classify(ShortChat);

    [Benchmark(Description = "chat door: usage of a whole answer")]
    public UpstreamUsage? ChatAnswerUsage() => _chatDoor.UsageOf(ChatAnswer);

    [Benchmark(Description = "chat door: read + check a 46 KB Qwen Code-shaped turn")]
    public DoorRequest ReadChat() => ChatRequestClassifier.Classify(_chatBody);

    [Benchmark(Description = "chat door: scan a 43-chunk chat stream for usage")]
    public UpstreamUsage? ScanChatStream()
    {
        using var scanner = new ChatUsageScanner(captureFinalAnswer: false);
        scanner.Observe(_chatStream);
        return scanner.Usage;
    }

    [Benchmark(Description = "chat door: hide the usage chunk of a 43-chunk stream")]
    public int HideUsageChunk() => new UsageChunkHider().Process(_chatStream).Length;

    [Benchmark(Description = "bridge: 46 KB chat turn -> Responses request")]
    public int TranslateChatRequest()
    {
        using var request = JsonDocument.Parse(_chatBody);
        return ResponsesRequestWriter.Write(ChatRequestReader.Read(request.RootElement), _responsesTarget).Json.Length;
    }

    [Benchmark(Description = "bridge: translate one Responses event to a chat chunk")]
    public int TranslateResponsesEvent()
    {
        var output = new System.Buffers.ArrayBufferWriter<byte>(1024);
        var writer = new ChatAnswerWriter(new AnswerContext("chatcmpl-1", "m", 1, Stream: true, StreamUsage: false));
        writer.Start(output);
        writer.WriteAll(new ResponsesAnswerReader(new ToolNames()).OnData(_responsesDelta), output);
        return output.WrittenCount;
    }

    [Benchmark(Description = "messages door: read + check a short request")]
    public DoorRequest ReadMessagesShort() => MessagesRequestClassifier.Classify(ShortMessages);

    [Benchmark(Description = "messages door: usage of a whole answer")]
    public UpstreamUsage? MessagesAnswerUsage() => _messagesDoor.UsageOf(MessagesAnswer);

    [Benchmark(Description = "messages door: scan a 43-event Messages stream for usage")]
    public UpstreamUsage? ScanMessagesStream()
    {
        using var scanner = new MessagesUsageScanner(captureFinalAnswer: false);
        scanner.Observe(_messagesStream);
        return scanner.Usage;
    }

    [Benchmark(Description = "messages door: read + check a 76 KB Claude Code turn")]
    public DoorRequest ReadClaudeCode() => MessagesRequestClassifier.Classify(_claudeBody);

    [Benchmark(Description = "bridge: 76 KB Claude Code turn -> Responses request")]
    public int TranslateClaudeCodeRequest()
    {
        using var request = JsonDocument.Parse(_claudeBody);
        return ResponsesRequestWriter.Write(MessagesRequestReader.Read(request.RootElement), _responsesTarget).Json.Length;
    }

    [Benchmark(Description = "bridge: translate one Responses event to Messages events")]
    public int TranslateEventToMessages()
    {
        var output = new System.Buffers.ArrayBufferWriter<byte>(1024);
        var writer = new MessagesAnswerWriter(new AnswerContext("msg_1", "m", 1, Stream: true, StreamUsage: true));
        writer.Start(output);
        writer.WriteAll(new ResponsesAnswerReader(new ToolNames()).OnData(_responsesDelta), output);
        return output.WrittenCount;
    }

    [Benchmark(Description = "messages door: seal a thinking signature in a stream read")]
    public int SealSignature() => new ThinkingSealer(ReasoningSeals.TagOf(_responsesTarget)).Process(_signatureDelta).Length;

    [Benchmark(Description = "cache: key of a short request")]
    public string CacheKey() => ResponseCachePolicy.Key("web", "dev", "coder", _door, ShortBody);

    [Benchmark(Description = "cache: replay a hit as SSE")]
    public byte[] CacheReplay() => ResponsesStreamReplay.ToSse(_cached);

    /// <summary>Auth's answer for the one cache miss in setup; every measured call is a cache hit.</summary>
    private sealed class AcceptingInvoker(Caller caller) : CallInvoker
    {
        public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request) =>
            new(Task.FromResult((TResponse)(object)new ValidateTokenReply { Caller = caller }), Task.FromResult(new Metadata()), () => Status.DefaultSuccess, () => [], () => { });

        public override TResponse BlockingUnaryCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request) => throw new NotSupportedException();

        public override AsyncServerStreamingCall<TResponse> AsyncServerStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request) => throw new NotSupportedException();

        public override AsyncClientStreamingCall<TRequest, TResponse> AsyncClientStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options) => throw new NotSupportedException();

        public override AsyncDuplexStreamingCall<TRequest, TResponse> AsyncDuplexStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options) => throw new NotSupportedException();
    }
}
