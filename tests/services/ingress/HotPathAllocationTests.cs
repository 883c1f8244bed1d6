using System.Text;
using GenAiRouter.Contracts.V1;
using GenAiRouter.Ingress.Auth;
using GenAiRouter.Ingress.Caching;
using GenAiRouter.Ingress.Doors;
using GenAiRouter.Ingress.Doors.Chat;
using GenAiRouter.Ingress.Doors.Messages;
using GenAiRouter.Ingress.Doors.Responses;
using GenAiRouter.Ingress.Routing;
using GenAiRouter.Routing;

namespace GenAiRouter.Ingress.Tests;

/// <summary>
/// Allocation budgets for the per-request pieces of the hot path, so a change that, say, parses the whole body into
/// a document shows up as a failing test rather than as a slower router. Bytes are counted, not time: the counts
/// are the same on every machine. The budgets are about twice what bench/micro measured (BENCHMARKS.md).
/// </summary>
public sealed class HotPathAllocationTests
{
    private static readonly byte[] Codex = File.ReadAllBytes(Path.Combine(RouterProcess.RepoRoot, "bench", "data", "codex-request.json"));
    private static readonly byte[] Short = """{"model":"coder","input":"Say hello in five words.","stream":true}"""u8.ToArray();

    [Fact]
    public void Reading_a_40_KB_Codex_request_allocates_a_few_kilobytes_not_a_copy_of_it() =>
        Assert.InRange(BytesPerCall(() => ResponsesRequestClassifier.Classify(Codex)), 0, 3 * 1024);

    [Fact]
    public void Reading_a_short_request_allocates_under_a_kilobyte() =>
        Assert.InRange(BytesPerCall(() => ResponsesRequestClassifier.Classify(Short)), 0, 1024);

    [Fact]
    public void Swapping_the_model_name_copies_the_body_once()
    {
        var model = ResponsesRequestClassifier.Classify(Codex).ModelValue;

        Assert.InRange(BytesPerCall(() => ModelSwap.Apply(Codex, model, "gpt-5.1-codex")), Codex.Length, Codex.Length + 1024);
    }

    [Fact]
    public void Watching_a_stream_for_usage_parses_only_its_terminal_event()
    {
        var deltas = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Range(0, 200).Select(i =>
            $"event: response.output_text.delta\ndata: {{\"type\":\"response.output_text.delta\",\"sequence_number\":{i},\"delta\":\"word \"}}\n\n")));
        using var scanner = new ResponsesUsageScanner();

        Assert.InRange(BytesPerCall(() => scanner.Observe(deltas)), 0, 64);
    }

    [Fact]
    public void A_cache_key_costs_a_few_kilobytes() =>
        Assert.InRange(BytesPerCall(() => ResponseCachePolicy.Key("web", "dev", "coder", new ResponsesDoor(), Short)), 0, 4 * 1024);

    /// <summary>Each door's per-request pieces: its request read and checked, its answer's usage read, its stream watched.</summary>
    public static TheoryData<string> Doors() => ["responses", "chat", "messages"];

    [Theory]
    [MemberData(nameof(Doors))]
    public void Reading_a_short_request_allocates_under_a_kilobyte_through_every_door(string door)
    {
        var (classify, shortBody, _, _, _) = DoorCase.Of(door);

        Assert.InRange(BytesPerCall(() => classify(shortBody)), 0, 1024);
    }

    [Theory]
    [MemberData(nameof(Doors))]
    public void Reading_a_captured_agent_turn_allocates_a_few_kilobytes_not_a_copy_of_it(string door)
    {
        var (classify, _, turn, _, _) = DoorCase.Of(door);

        Assert.InRange(BytesPerCall(() => classify(turn)), 0, 4 * 1024);
    }

    [Theory]
    [MemberData(nameof(Doors))]
    public void Reading_the_usage_of_a_whole_answer_parses_only_its_usage(string door)
    {
        var (_, _, _, answer, _) = DoorCase.Of(door);
        var reader = DoorCase.Door(door);

        Assert.NotNull(reader.UsageOf(answer));
        Assert.InRange(BytesPerCall(() => reader.UsageOf(answer)), 0, 512);
    }

    [Theory]
    [MemberData(nameof(Doors))]
    public void Watching_a_long_stream_for_usage_costs_what_its_last_event_costs(string door)
    {
        var (_, _, _, _, stream) = DoorCase.Of(door);
        var watcher = DoorCase.Door(door);

        Assert.InRange(BytesPerCall(() =>
        {
            using var scanner = watcher.ScanStream(captureFinalAnswer: false);
            scanner.Observe(stream);
        }), 0, 4 * 1024);
    }

    [Theory]
    [InlineData(600, false)]
    [InlineData(600, true)]
    [InlineData(100_000, false)]
    public void Reading_a_whole_answer_costs_one_array_of_its_size(int size, bool lengthKnown)
    {
        var answer = Encoding.UTF8.GetBytes("{\"text\":\"" + new string('a', size - 12) + "\"}");
        var body = new MemoryStream(answer);
        (byte[]? Json, GenAiRouter.Contracts.V1.UpstreamFailure? Failure) Read()
        {
            body.Position = 0;
            // A memory stream answers at once, so the read completes without a task on the heap: what is left is the reading.
            return GenAiRouter.Upstream.UpstreamBody.ReadJsonAsync(body, lengthKnown ? answer.Length : null, TimeSpan.FromMinutes(1), 64 << 20, default).GetAwaiter().GetResult();
        }

        Assert.Equal(answer, Read().Json);
        Assert.InRange(BytesPerCall(() => Read()), answer.Length, answer.Length + 1024);
    }

    [Fact]
    public void Hiding_the_chat_usage_chunk_allocates_nothing_for_a_chunk_without_usage()
    {
        var chunk = "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"word \"}}]}\n\n"u8.ToArray();
        var hider = new UsageChunkHider();

        Assert.InRange(BytesPerCall(() => hider.Process(chunk)), 0, 64);
    }

    [Fact]
    public void Sealing_a_thinking_signature_allocates_about_the_sealed_chunk()
    {
        var delta = "data: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"signature_delta\",\"signature\":\"EqQBCkgIARABGAIiQL2lo\"}}\n\n"u8.ToArray();
        var sealer = new ThinkingSealer(ReasoningSeals.TagOf(new Target { Name = "claude", Api = Protocol.Messages }));

        Assert.InRange(BytesPerCall(() => sealer.Process(delta)), 0, 1024);
    }

    [Fact]
    public async Task A_cached_caller_token_is_checked_without_a_round_trip_or_a_copy_of_the_token()
    {
        var caller = new Caller { KeyId = "k3y1d2ab9x", User = "alice", Project = "web", Env = "dev", ExpiresAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddDays(1)) };
        var tokens = new CountingTokens(caller);
        var metrics = new GenAiRouter.Ingress.Telemetry.RouterMetrics(new TestMeters(),
            new Microsoft.Extensions.Configuration.ConfigurationBuilder().Build(), new TargetHealth(TimeProvider.System));
        var authenticator = new CallerAuthenticator(new CallerTokens.CallerTokensClient(tokens), metrics, TimeProvider.System);
        var presented = ((string?)"rtr_metrum_alice_web_dev_k3y1d2ab9x_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ", AuthFailure.None);
        await authenticator.AuthenticateAsync(presented, default);

        // A hit completes at once (no task on the heap) and hashes the token on the stack.
        Assert.InRange(BytesPerCall(() => Assert.True(CompletedAtOnce(authenticator.AuthenticateAsync(presented, default)))), 0, 256);
        Assert.Equal(1, tokens.Calls);
    }

    [Fact]
    public void Gating_and_ordering_three_targets_costs_a_few_kilobytes()
    {
        var group = new Group { Name = "coder" };
        for (var i = 0; i < 3; i++)
        {
            group.Targets.Add(new Target { Name = $"t{i}", Api = Protocol.Responses, Priority = i, Weight = 1, Capabilities = { Capability.Tools, Capability.Streaming } });
        }
        var shape = new RequestShape { FunctionTools = true, Stream = true };
        var health = new TargetHealth(TimeProvider.System);

        Assert.InRange(BytesPerCall(() => health.Order(TargetGating.Gate(group, shape, Protocol.Responses, bridgeEnabled: true).Eligible, "session-1")), 0, 8 * 1024);
    }

    private static bool CompletedAtOnce<T>(ValueTask<T> check) => check.IsCompletedSuccessfully;

    private static long BytesPerCall(Action call)
    {
        for (var i = 0; i < 20; i++)
        {
            call();
        }
        const int Calls = 200;
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < Calls; i++)
        {
            call();
        }
        return (GC.GetAllocatedBytesForCurrentThread() - before) / Calls;
    }

    /// <summary>A door's inputs: its classifier, a short request, a captured agent turn, a whole answer and a long stream.</summary>
    private sealed record DoorCase(JsonScan.Classifier Classify, byte[] Short, byte[] Turn, byte[] Answer, byte[] Stream)
    {
        public static IDoor Door(string door) => door switch { "chat" => new ChatDoor(), "messages" => new MessagesDoor(), _ => new ResponsesDoor() };

        public static DoorCase Of(string door) => door switch
        {
            "chat" => new(ChatRequestClassifier.Classify,
                """{"model":"coder","messages":[{"role":"user","content":"Say hello in five words."}],"stream":true}"""u8.ToArray(),
                Data("chat-request.json"),
                """{"id":"c","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"Hello there, how are you?"},"finish_reason":"stop"}],"usage":{"prompt_tokens":12,"completion_tokens":9,"total_tokens":21}}"""u8.ToArray(),
                Sse(i => $"data: {{\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"choices\":[{{\"index\":0,\"delta\":{{\"content\":\"word {i} \"}}}}]}}\n\n",
                    "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"choices\":[],\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":200,\"total_tokens\":212}}\n\ndata: [DONE]\n\n")),
            "messages" => new(b => MessagesRequestClassifier.Classify(b),
                """{"model":"coder","max_tokens":256,"messages":[{"role":"user","content":"Say hello in five words."}],"stream":true}"""u8.ToArray(),
                Data("claude-code-request.json"),
                """{"id":"msg_1","type":"message","role":"assistant","model":"m","content":[{"type":"text","text":"Hello there, how are you?"}],"stop_reason":"end_turn","usage":{"input_tokens":12,"output_tokens":9}}"""u8.ToArray(),
                Sse(i => $"event: content_block_delta\ndata: {{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{{\"type\":\"text_delta\",\"text\":\"word {i} \"}}}}\n\n",
                    "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},\"usage\":{\"output_tokens\":200}}\n\nevent: message_stop\ndata: {\"type\":\"message_stop\"}\n\n")),
            _ => new(ResponsesRequestClassifier.Classify, HotPathAllocationTests.Short, Codex,
                """{"id":"r","object":"response","status":"completed","output":[],"usage":{"input_tokens":12,"output_tokens":9}}"""u8.ToArray(),
                Sse(i => $"event: response.output_text.delta\ndata: {{\"type\":\"response.output_text.delta\",\"sequence_number\":{i},\"delta\":\"word \"}}\n\n",
                    "event: response.completed\ndata: {\"type\":\"response.completed\",\"response\":{\"id\":\"r\",\"status\":\"completed\",\"output\":[],\"usage\":{\"input_tokens\":12,\"output_tokens\":200}}}\n\n")),
        };

        private static byte[] Data(string name) => File.ReadAllBytes(Path.Combine(RouterProcess.RepoRoot, "bench", "data", name));

        private static byte[] Sse(Func<int, string> delta, string end) => Encoding.UTF8.GetBytes(string.Concat(Enumerable.Range(0, 200).Select(delta)) + end);
    }

    private sealed class TestMeters : System.Diagnostics.Metrics.IMeterFactory
    {
        public System.Diagnostics.Metrics.Meter Create(System.Diagnostics.Metrics.MeterOptions options) => new(options);

        public void Dispose()
        {
        }
    }

    /// <summary>Auth's answer to the one validation that is not served from the cache; counts the round trips.</summary>
    private sealed class CountingTokens(Caller caller) : Grpc.Core.CallInvoker
    {
        public int Calls;

        public override Grpc.Core.AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(Grpc.Core.Method<TRequest, TResponse> method, string? host, Grpc.Core.CallOptions options, TRequest request)
        {
            Interlocked.Increment(ref Calls);
            return new(Task.FromResult((TResponse)(object)new ValidateTokenReply { Caller = caller }), Task.FromResult(new Grpc.Core.Metadata()), () => Grpc.Core.Status.DefaultSuccess, () => [], () => { });
        }

        public override TResponse BlockingUnaryCall<TRequest, TResponse>(Grpc.Core.Method<TRequest, TResponse> method, string? host, Grpc.Core.CallOptions options, TRequest request) => throw new NotSupportedException();

        public override Grpc.Core.AsyncServerStreamingCall<TResponse> AsyncServerStreamingCall<TRequest, TResponse>(Grpc.Core.Method<TRequest, TResponse> method, string? host, Grpc.Core.CallOptions options, TRequest request) => throw new NotSupportedException();

        public override Grpc.Core.AsyncClientStreamingCall<TRequest, TResponse> AsyncClientStreamingCall<TRequest, TResponse>(Grpc.Core.Method<TRequest, TResponse> method, string? host, Grpc.Core.CallOptions options) => throw new NotSupportedException();

        public override Grpc.Core.AsyncDuplexStreamingCall<TRequest, TResponse> AsyncDuplexStreamingCall<TRequest, TResponse>(Grpc.Core.Method<TRequest, TResponse> method, string? host, Grpc.Core.CallOptions options) => throw new NotSupportedException();
    }
}
