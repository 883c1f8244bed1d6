using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using GenAiRouter.Ingress.Docs;

namespace GenAiRouter.Clients.Tests;

/// <summary>
/// The client configurations the router's docs show (services/ingress/Docs/Snippets), filled in for the matrix's
/// router and group as a reader's page is: the tests run what the docs tell users to write, so the two cannot drift.
/// </summary>
public static partial class DocsSnippets
{
    /// <summary>
    /// The docs' opencode.json; for Kilo with Kilo's schema, and with the provider package given (the docs name
    /// @ai-sdk/openai for the Responses door). Added for unattended runs only: shell and edits allowed, no updates, no sharing.
    /// </summary>
    public static string OpencodeConfig(ClientMatrixRouter matrix, string group, string provider, string? schema = null)
    {
        var config = JsonNode.Parse(DocSnippets.Render("opencode.json", matrix.Root, group))!.AsObject();
        if (schema is not null)
        {
            config["$schema"] = schema;
        }
        config["provider"]!["metrum"]!["npm"] = provider;
        config["permission"] = new JsonObject { ["bash"] = "allow", ["edit"] = "allow" };
        config["autoupdate"] = false;
        config["share"] = "disabled";
        return config.ToJsonString();
    }

    /// <summary>The variables a shell snippet exports (<c>export NAME="value"</c>), with <c>$ROUTER_TOKEN</c> as the matrix's token.</summary>
    public static Dictionary<string, string> Exports(string snippet, ClientMatrixRouter matrix, string group) =>
        Export().Matches(DocSnippets.Render(snippet, matrix.Root, group))
            .ToDictionary(m => m.Groups["name"].Value, m => m.Groups["value"].Value.Replace("$ROUTER_TOKEN", matrix.Token, StringComparison.Ordinal));

    [GeneratedRegex("""^export (?<name>[A-Z_]+)="?(?<value>[^"\n]*)"?$""", RegexOptions.Multiline)]
    private static partial Regex Export();
}
