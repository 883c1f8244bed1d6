using GenAiRouter.Contracts.V1;

namespace GenAiRouter.Ingress.Quotas;

/// <summary>One set of limits and the counters it is checked against: a project's, or one caller token's in a group.</summary>
/// <param name="Key">Names the counters; the same on every replica.</param>
/// <param name="Name">How a refusal names it to the caller.</param>
public sealed record QuotaScope(string Key, string Name, Quota Quota)
{
    /// <summary>When the caller token a scope belongs to expires: its counters need not outlive it.</summary>
    public DateTimeOffset? Expires { get; init; }
}

/// <summary>Which limits apply to a request: every applicable one is checked, so the tightest wins.</summary>
public static class QuotaPlan
{
    public static IReadOnlyList<QuotaScope> For(Caller caller, Group group, CatalogSnapshot snapshot)
    {
        var expires = caller.ExpiresAt?.ToDateTimeOffset();
        var token = caller.Quota is { } tokenQuota && Limits(tokenQuota)
            ? new QuotaScope(TokenKey(caller.KeyId), "your caller token", tokenQuota) { Expires = expires }
            : null;
        var project = snapshot.ProjectQuotas.TryGetValue(caller.Project, out var projectQuota) && Limits(projectQuota)
            ? new QuotaScope($"project:{caller.Project}", $"project '{caller.Project}'", projectQuota)
            : null;
        var perToken = group.Quota is { } groupQuota && Limits(groupQuota)
            ? new QuotaScope($"group:{group.Name}:{TokenKey(caller.KeyId)}", $"your caller token in the model group '{group.Name}'", groupQuota) { Expires = expires }
            : null;
        // Most requests have no limits at all: nothing is allocated for them.
        if (token is null && project is null && perToken is null)
        {
            return [];
        }
        return new[] { token, project, perToken }.OfType<QuotaScope>().ToList();
    }

    /// <summary>Every scope of one caller token's counters ends in this (so they can all go when it is revoked).</summary>
    public static string TokenKey(string keyId) => $"token:{keyId}";

    private static bool Limits(Quota quota) =>
        quota.RequestsPerMinute > 0 || quota.TokensPerMinute > 0 || quota.ConcurrentRequests > 0 || quota.BudgetPerDay > 0 || quota.BudgetPerMonth > 0;
}
