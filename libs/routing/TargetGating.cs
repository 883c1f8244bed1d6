using GenAiRouter.Contracts.V1;

namespace GenAiRouter.Routing;

/// <summary>The outcome of gating: the targets that can serve the request in the order to try them, or what none has.</summary>
public sealed record GatingResult(IReadOnlyList<Target> Eligible, IReadOnlyList<string> Missing)
{
    public bool Served => Eligible.Count > 0;
}

/// <summary>
/// Which targets of a group can serve a request shape that came in by a door. A target that speaks the door's protocol
/// (relayed natively) needs each capability the shape uses. Any other target is reached through the bridge, so only
/// while the bridge is enabled. A chat target then also needs <c>responses_to_chat</c> metadata, and for each shape
/// beyond text and function tools the bridge's validation on that target; Responses and Messages targets serve
/// translated requests by their capabilities, and hosted tools only where a Messages target may drop them. <c>previous_response_id</c> names state only the upstream holds: only a native target
/// can serve it. Images need a multimodal, tool-capable target.
/// </summary>
public static class TargetGating
{
    public static GatingResult Gate(Group group, RequestShape shape, Protocol door, bool bridgeEnabled)
    {
        var needs = Needs(shape);
        var reachable = group.Targets.Where(t => t.Api == door || (bridgeEnabled && (t.Api != Protocol.Chat || t.ResponsesToChat is not null))).ToList();
        var eligible = reachable
            .Where(t => needs.All(need => Serves(t, need, shape, door)))
            .OrderBy(t => t.Priority) // stable: configuration order within a priority
            .ToList();
        if (eligible.Count > 0)
        {
            return new GatingResult(eligible, []);
        }
        if (reachable.Count == 0)
        {
            var api = door switch { Protocol.Chat => "chat_completions_api", Protocol.Messages => "messages_api", _ => "responses_api" };
            return new GatingResult([], [bridgeEnabled ? api : $"{api} (the bridge to targets of other protocols is disabled)"]);
        }
        // Name what no target has at all; if each need is met somewhere but never together, name them all.
        var missing = needs.Where(need => !reachable.Any(t => Serves(t, need, shape, door))).ToList();
        return new GatingResult([], missing.Count > 0 ? missing : needs);
    }

    private static List<string> Needs(RequestShape shape)
    {
        var needs = new List<string>();
        if (shape.ImageCount > 0)
        {
            needs.Add("images");
        }
        if (shape.FunctionTools || shape.ImageCount > 0)
        {
            needs.Add("tools");
        }
        if (shape.HostedTools)
        {
            needs.Add("hosted_tools");
        }
        if (shape.ReasoningEffort is not null)
        {
            needs.Add("reasoning");
        }
        if (shape.StructuredOutput)
        {
            needs.Add("structured_output");
        }
        if (shape.PreviousResponseId)
        {
            needs.Add("previous_response_id");
        }
        if (shape.Stream)
        {
            needs.Add("streaming");
        }
        return needs;
    }

    private static bool Serves(Target target, string need, RequestShape shape, Protocol door)
    {
        var translated = target.Api != door;
        var bridge = translated && target.Api == Protocol.Chat ? target.ResponsesToChat : null;
        return need switch
        {
            "tools" => Has(target, Capability.Tools),
            // A chat model cannot run provider-hosted tools; the bridge may only drop them where allowed.
            "hosted_tools" => bridge is not null ? bridge.DropHostedTools
                : translated ? target.Api == Protocol.Messages && target.DropHostedTools
                : Has(target, Capability.HostedTools),
            "images" => Has(target, Capability.Images) && (bridge is null || bridge.Images),
            "reasoning" => Has(target, Capability.Reasoning)
                && (bridge is null || (bridge.Reasoning && !string.IsNullOrEmpty(target.Reasoning?.Param)))
                && LevelOffered(target, shape.ReasoningEffort!),
            "structured_output" => Has(target, Capability.StructuredOutput) && (bridge is null || bridge.StructuredOutput),
            "previous_response_id" => !translated && Has(target, Capability.PreviousResponseId),
            "streaming" => Has(target, Capability.Streaming) && (bridge is null || bridge.Streaming),
            _ => false,
        };
    }

    private static bool Has(Target target, Capability capability) => target.Capabilities.Contains(capability);

    /// <summary>A target that lists its own levels serves only those; one that lists none takes the group's.</summary>
    private static bool LevelOffered(Target target, string effort) =>
        target.Reasoning is not { Levels.Count: > 0 } reasoning || reasoning.Levels.Contains(effort);
}
