using System.Text.Json;

namespace GenAiRouter.Clients.Tests;

/// <summary>What every coding agent must show through the router, whichever door it uses and whichever target serves it.</summary>
public static class AgentChecks
{
    public const string OneShotPrompt = "Say hello";
    public const string ToolPrompt = "Create a file hello.txt containing 'router tool ok' using the shell";

    /// <summary>A throwaway workspace the agent runs in.</summary>
    public static string NewWorkspace() => Directory.CreateTempSubdirectory("agent-work-").FullName;

    public static void AnsweredOneShot(ClientRun run, AgentModel model)
    {
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains(AgentModel.Greeting, run.Stdout, StringComparison.Ordinal);
        Assert.NotEmpty(model.Received);
    }

    /// <summary>
    /// The model asked for the shell command, the agent ran it in its workspace, the result went back to the model
    /// under the id the model gave the call, and the final answer reached the agent.
    /// </summary>
    public static void RanTheToolLoop(ClientRun run, string workspace, AgentModel model)
    {
        Assert.True(run.ExitCode == 0, run.ToString());
        var written = Path.Combine(workspace, "hello.txt");
        Assert.True(File.Exists(written), $"the agent did not write hello.txt\n{run}");
        Assert.Equal("router tool ok\n", File.ReadAllText(written));
        Assert.Contains(AgentModel.FinalAnswer, run.Stdout, StringComparison.Ordinal);
        Assert.Contains(model.Received, request => ResultCallIds(request.Json).Contains(AgentModel.CallId));
    }

    /// <summary>The call ids of the tool results a request carries, in any of the three protocols.</summary>
    private static IEnumerable<string?> ResultCallIds(JsonElement request) =>
        request.TryGetProperty("messages", out var messages)
            ? messages.EnumerateArray().SelectMany(m => m.GetProperty("role").GetString() == "tool"
                ? [m.GetProperty("tool_call_id").GetString()]
                : m.TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.Array
                    ? content.EnumerateArray().Where(b => b.TryGetProperty("type", out var t) && t.GetString() == "tool_result").Select(b => b.GetProperty("tool_use_id").GetString())
                    : [])
            : request.GetProperty("input").EnumerateArray()
                .Where(i => i.TryGetProperty("type", out var t) && t.GetString() == "function_call_output")
                .Select(i => i.GetProperty("call_id").GetString());
}
