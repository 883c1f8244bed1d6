using System.Text;
using System.Text.Json.Nodes;

namespace GenAiRouter.Bench.Load;

/// <summary>What is measured: the same request sent straight to the upstream and through the router.</summary>
public sealed record Scenario(string Name, string Description, Shot Direct, Shot Router, bool Streamed);

public static class Scenarios
{
    public const string ShortRequest = "short";
    public const string CacheHit = "cache-hit";
    private const string Prompt = "Say hello in five words.";

    public static IReadOnlyList<Scenario> All(string root, Uri upstream, Uri router, string token)
    {
        var upstreamResponses = new Uri(upstream + "/responses");
        var routerResponses = new Uri(router, "responses");
        var upstreamChat = new Uri(upstream + "/chat/completions");
        var routerChat = new Uri(router, "chat/completions");
        var upstreamMessages = new Uri(upstream + "/messages");
        var routerMessages = new Uri(router, "messages");
        var codex = JsonNode.Parse(File.ReadAllText(Path.Combine(root, "bench", "data", "codex-request.json")))!.AsObject();
        return
        [
            Pair(ShortRequest, "short request, JSON answer", upstreamResponses, routerResponses, token, Question(stream: false), "native", streamed: false),
            Pair("codex", $"captured Codex turn ({Body(codex, "x").Length / 1024} KB: instructions, tools), JSON answer", upstreamResponses, routerResponses, token, codex, "native", streamed: false),
            Pair("stream", "short request, streamed answer (SSE)", upstreamResponses, routerResponses, token, Question(stream: true), "native", streamed: true),
            new Scenario("bridged", "short request to a Chat Completions target through the bridge; direct = the chat call itself",
                new Shot(upstreamChat, Chat("bench-model", stream: false), null),
                new Shot(routerResponses, Body(Question(stream: false), "bridged"), token), false),
            new Scenario("chat", "short request through the Chat Completions door to a chat target, JSON answer",
                new Shot(upstreamChat, Chat("bench-model", stream: false), null), new Shot(routerChat, Chat("chat", stream: false), token), false),
            new Scenario("chat-stream", "the same, streamed; the router asks for the usage chunk and hides it from this caller",
                new Shot(upstreamChat, Chat("bench-model", stream: true), null), new Shot(routerChat, Chat("chat", stream: true), token), true),
            new Scenario("chat-translated", "short request through the Chat Completions door to a Responses target; direct = the Responses call itself",
                new Shot(upstreamResponses, Body(Question(stream: false), "bench-model"), null), new Shot(routerChat, Chat("native", stream: false), token), false),
            new Scenario("messages", "short request through the Messages door to a Messages target, JSON answer",
                new Shot(upstreamMessages, Message("bench-model", stream: false), null), new Shot(routerMessages, Message("claude", stream: false), token), false),
            new Scenario("messages-stream", "the same, streamed (thinking signatures sealed on the way)",
                new Shot(upstreamMessages, Message("bench-model", stream: true), null), new Shot(routerMessages, Message("claude", stream: true), token), true),
            new Scenario("messages-translated", "short request through the Messages door to a Responses target; direct = the Responses call itself",
                new Shot(upstreamResponses, Body(Question(stream: false), "bench-model"), null), new Shot(routerMessages, Message("native", stream: false), token), false),
            new Scenario(CacheHit, "short request answered from the router's cache; direct = the upstream call it saves",
                new Shot(upstreamResponses, Body(Question(stream: false), "bench-model"), null),
                new Shot(routerResponses, Body(Question(stream: false), "cached"), token), false),
        ];
    }

    private static JsonObject Question(bool stream) => new() { ["model"] = "", ["input"] = Prompt, ["stream"] = stream };

    private static byte[] Chat(string model, bool stream) =>
        Encoding.UTF8.GetBytes($$"""{"model":"{{model}}","messages":[{"role":"user","content":"{{Prompt}}"}]{{(stream ? ",\"stream\":true" : "")}}}""");

    private static byte[] Message(string model, bool stream) =>
        Encoding.UTF8.GetBytes($$"""{"model":"{{model}}","max_tokens":256,"messages":[{"role":"user","content":"{{Prompt}}"}]{{(stream ? ",\"stream\":true" : "")}}}""");

    private static Scenario Pair(string name, string description, Uri upstream, Uri router, string token, JsonObject request, string group, bool streamed) =>
        new(name, description, new Shot(upstream, Body(request, "bench-model"), null), new Shot(router, Body(request, group), token), streamed);

    private static byte[] Body(JsonObject request, string model)
    {
        var copy = request.DeepClone().AsObject();
        copy["model"] = model;
        return Encoding.UTF8.GetBytes(copy.ToJsonString());
    }
}
