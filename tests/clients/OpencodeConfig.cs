namespace GenAiRouter.Clients.Tests;

/// <summary>
/// The config file opencode and its fork Kilo Code read (OPENCODE_CONFIG / KILO_CONFIG): the router as a provider named
/// "metrum" whose models are the router's groups, the caller token from METRUM_API_KEY, shell and edits allowed.
/// </summary>
public static class OpencodeConfig
{
    public static string Json(string schema, string provider, string baseUrl, string group) => $$"""
        {
          "$schema": "{{schema}}",
          "provider": {
            "metrum": {
              "npm": "{{provider}}",
              "name": "Metrum Router",
              "options": { "baseURL": "{{baseUrl}}", "apiKey": "{env:METRUM_API_KEY}" },
              "models": {
                "{{ClientMatrixRouter.ChatGroup}}": { "name": "Coder on a chat target", "tool_call": true },
                "{{ClientMatrixRouter.ResponsesGroup}}": { "name": "Coder on a Responses target", "tool_call": true },
                "{{ClientMatrixRouter.MessagesGroup}}": { "name": "Coder on a Messages target", "tool_call": true }
              }
            }
          },
          "model": "metrum/{{group}}",
          "small_model": "metrum/{{group}}",
          "permission": { "bash": "allow", "edit": "allow" },
          "autoupdate": false,
          "share": "disabled"
        }
        """;

    /// <summary>The arguments of the <c>bash</c> tool both clients offer, running <see cref="AgentModel.Command"/>.</summary>
    public static string BashArguments { get; } =
        $$"""{"command":{{System.Text.Json.JsonSerializer.Serialize(AgentModel.Command)}},"description":"Write hello.txt"}""";
}
