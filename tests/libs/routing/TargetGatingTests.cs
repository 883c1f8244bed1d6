using GenAiRouter.Routing;
using GenAiRouter.Contracts.V1;
using GenAiRouter.Catalog;
using GenAiRouter.RouterConfig;

namespace GenAiRouter.Routing.Tests;

/// <summary>The gating rules over a table of request shapes and targets.</summary>
public sealed class TargetGatingTests
{
    // One group with a target of each kind the rules tell apart.
    private static readonly Group Group = CatalogSnapshotBuilder.Build(RouterConfigLoader.Parse("""
        bridge: { enabled: true }
        groups:
          g:
            reasoning: { levels: [low, medium, high], default: medium }
            targets:
              - { name: native-full, api: responses, base_url: http://n, model: m, priority: 2,
                  capabilities: [tools, hosted_tools, reasoning, images, streaming, structured_output, previous_response_id] }
              - { name: native-text, api: responses, base_url: http://n, model: m, priority: 1, capabilities: [streaming] }
              - { name: chat-basic, api: chat, base_url: http://c, model: m, priority: 3, capabilities: [tools, streaming],
                  responses_to_chat: { streaming: true } }
              - { name: chat-reasoning, api: chat, base_url: http://c, model: m, priority: 3,
                  capabilities: [tools, reasoning, streaming, images],
                  reasoning: { levels: [low, high], param: reasoning_effort },
                  responses_to_chat: { reasoning: true, streaming: true, drop_hosted_tools: true } }
              - { name: chat-unvalidated, api: chat, base_url: http://c, model: m, priority: 1, capabilities: [tools, streaming] }
        """, "table.yaml"), 1).Groups.Single();

    public static TheoryData<string, RequestShape, bool, string> Table => new()
    {
        // shape,                                                   bridge, eligible (priority order) or "missing: ..."
        { "plain text", RequestShape.Text, true, "native-text native-full chat-basic chat-reasoning" },
        { "plain text, bridge off", RequestShape.Text, false, "native-text native-full" },
        { "streamed text", new() { Stream = true }, true, "native-text native-full chat-basic chat-reasoning" },
        { "function tools", new() { FunctionTools = true }, true, "native-full chat-basic chat-reasoning" },
        { "function tools, bridge off", new() { FunctionTools = true }, false, "native-full" },
        { "hosted web_search", new() { HostedTools = true }, true, "native-full chat-reasoning" },
        { "reasoning low", new() { ReasoningEffort = "low" }, true, "native-full chat-reasoning" },
        { "reasoning medium (not offered by chat-reasoning)", new() { ReasoningEffort = "medium" }, true, "native-full" },
        { "one image", new() { ImageCount = 1 }, true, "native-full" },
        { "image via bridge not validated", new() { ImageCount = 2, Stream = true }, true, "native-full" },
        { "structured output", new() { StructuredOutput = true }, true, "native-full" },
        { "previous_response_id", new() { PreviousResponseId = true }, true, "native-full" },
        { "codex turn: tools, hosted, reasoning, stream", new() { FunctionTools = true, HostedTools = true, ReasoningEffort = "high", Stream = true }, true, "native-full chat-reasoning" },
    };

    [Theory]
    [MemberData(nameof(Table))]
    public void Eligible_targets_are_those_that_serve_every_need_in_priority_order(string shapeName, RequestShape shape, bool bridgeEnabled, string expected)
    {
        var result = TargetGating.Gate(Group, shape, Protocol.Responses, bridgeEnabled);

        Assert.True(result.Served, shapeName);
        Assert.Equal(expected, string.Join(' ', result.Eligible.Select(t => t.Name)));
    }

    [Theory]
    [InlineData("previous_response_id through the bridge only", true, "previous_response_id")]
    [InlineData("hosted tools with the bridge off", false, "hosted_tools")]
    public void When_no_target_serves_the_shape_the_missing_capability_is_named(string name, bool bridgeEnabled, string missing)
    {
        var chatOnly = Group.Clone();
        chatOnly.Targets.Clear();
        chatOnly.Targets.Add(Group.Targets.Where(t => t.Api == Protocol.Chat || !bridgeEnabled && t.Name == "native-text"));
        var shape = bridgeEnabled ? new RequestShape { PreviousResponseId = true } : new RequestShape { HostedTools = true };

        var result = TargetGating.Gate(chatOnly, shape, Protocol.Responses, bridgeEnabled);

        Assert.False(result.Served, name);
        Assert.Equal([missing], result.Missing);
    }

    [Fact]
    public void Needs_met_only_by_different_targets_are_all_named()
    {
        var split = Group.Clone();
        split.Targets.Clear();
        split.Targets.Add(Group.Targets.Where(t => t.Name is "native-text" or "chat-basic"));

        var result = TargetGating.Gate(split, new RequestShape { FunctionTools = true, Stream = true, ReasoningEffort = "low" }, Protocol.Responses, bridgeEnabled: true);

        Assert.Equal(["reasoning"], result.Missing);
    }

    [Fact]
    public void A_group_of_chat_targets_with_the_bridge_off_says_so()
    {
        var chatOnly = Group.Clone();
        chatOnly.Targets.Clear();
        chatOnly.Targets.Add(Group.Targets.Where(t => t.Api == Protocol.Chat));

        var result = TargetGating.Gate(chatOnly, RequestShape.Text, Protocol.Responses, bridgeEnabled: false);

        Assert.Equal(["responses_api (the bridge to targets of other protocols is disabled)"], result.Missing);
    }

    public static TheoryData<string, RequestShape, bool, string> ChatDoorTable => new()
    {
        // From the Chat Completions door chat targets are native (their capabilities decide); Responses targets are
        // reached through the bridge, which needs it enabled, and serve by their capabilities.
        { "plain text", RequestShape.Text, true, "native-text chat-unvalidated native-full chat-basic chat-reasoning" },
        { "plain text, bridge off", RequestShape.Text, false, "chat-unvalidated chat-basic chat-reasoning" },
        { "function tools", new() { FunctionTools = true }, true, "chat-unvalidated native-full chat-basic chat-reasoning" },
        { "reasoning low", new() { ReasoningEffort = "low" }, true, "native-full chat-reasoning" },
        { "one image", new() { ImageCount = 1 }, true, "native-full chat-reasoning" },
        { "structured output", new() { StructuredOutput = true }, true, "native-full" },
        { "streamed tools", new() { FunctionTools = true, Stream = true }, false, "chat-unvalidated chat-basic chat-reasoning" },
    };

    [Theory]
    [MemberData(nameof(ChatDoorTable))]
    public void From_the_chat_door_chat_targets_are_native_and_responses_targets_serve_by_capability(string shapeName, RequestShape shape, bool bridgeEnabled, string expected)
    {
        var result = TargetGating.Gate(Group, shape, Protocol.Chat, bridgeEnabled);

        Assert.True(result.Served, shapeName);
        Assert.Equal(expected, string.Join(' ', result.Eligible.Select(t => t.Name)));
    }

    [Fact]
    public void Previous_response_id_is_served_only_natively_never_through_the_bridge()
    {
        Assert.Equal(["native-full"], TargetGating.Gate(Group, new RequestShape { PreviousResponseId = true }, Protocol.Responses, true).Eligible.Select(t => t.Name));
        Assert.Equal(["previous_response_id"], TargetGating.Gate(Group, new RequestShape { PreviousResponseId = true }, Protocol.Chat, true).Missing);
    }
}
