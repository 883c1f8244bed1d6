using GenAiRouter.Contracts.V1;
using GenAiRouter.Ingress.Auth;
using GenAiRouter.Ingress.Routing;
using GenAiRouter.Routing;

namespace GenAiRouter.Ingress.Doors;

/// <summary>
/// <c>GET /v1/models</c>: exactly the groups the caller may request, in OpenAI's list shape. Reasoning fields
/// appear only where the group offers levels and the caller's token grants reasoning for it.
/// </summary>
public static class ModelsEndpoint
{
    public static async Task ListAsync(HttpContext http, CallerAuthenticator authenticator, CatalogSnapshots catalog)
    {
        var auth = await authenticator.AuthenticateAsync(CallerCredentials.Bearer(http.Request), http.RequestAborted);
        if (auth.Caller is not { } caller)
        {
            await OpenAiErrors.WriteAsync(http, RouterError.Unauthenticated(auth.Failure));
            return;
        }
        if (catalog.Current is not { } snapshot)
        {
            await OpenAiErrors.WriteAsync(http, RouterError.CatalogUnavailable);
            return;
        }
        await http.Response.WriteAsJsonAsync(new ModelList(List(caller, snapshot)), http.RequestAborted);
    }

    /// <summary>The caller's groups, in catalog order.</summary>
    public static IReadOnlyList<ModelEntry> List(Caller caller, CatalogSnapshot snapshot)
    {
        var grants = caller.Grants.ToDictionary(g => g.Group, g => g.Reasoning, StringComparer.Ordinal);
        return snapshot.Groups
            .Where(g => grants.ContainsKey(g.Name))
            .Select(g =>
            {
                var reasoning = grants[g.Name] && g.Reasoning is { Levels.Count: > 0 } levels ? levels : null;
                return new ModelEntry(
                    g.Name,
                    snapshot.Issuer,
                    g.Description,
                    reasoning?.Levels.Select(l => new ReasoningLevel(l, $"{l} reasoning effort")).ToList(),
                    reasoning is null ? null : string.IsNullOrEmpty(reasoning.DefaultLevel) ? reasoning.Levels[0] : reasoning.DefaultLevel);
            })
            .ToList();
    }
}

public sealed record ModelList(IReadOnlyList<ModelEntry> Data)
{
    [System.Text.Json.Serialization.JsonPropertyName("object")]
    public string ObjectType => "list";
}

public sealed record ModelEntry(
    string Id,
    string OwnedBy,
    string Description,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    IReadOnlyList<ReasoningLevel>? SupportedReasoningLevels,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    string? DefaultReasoningLevel)
{
    [System.Text.Json.Serialization.JsonPropertyName("object")]
    public string ObjectType => "model";

    /// <summary>Groups have no creation date; OpenAI's shape requires the field.</summary>
    public long Created => 0;
}

/// <summary>The shape Codex CLI reads reasoning levels in: an effort and a short description.</summary>
public sealed record ReasoningLevel(string Effort, string Description);
