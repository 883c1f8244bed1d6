using System.Text.Json.Serialization;

namespace GenAiRouter.Auth;

/// <summary>What the token store keeps about one caller token: never the secret, only its hash.</summary>
public sealed record TokenRecord(
    string KeyId,
    string Issuer,
    string User,
    string Project,
    string Env,
    byte[] SecretHash,
    IReadOnlyList<TokenGrant> Grants,
    DateTimeOffset IssuedAt,
    DateTimeOffset ExpiresAt,
    DateTimeOffset? RevokedAt,
    TokenQuota? Quota = null);

public sealed record TokenGrant(string Group, bool Reasoning);

/// <summary>A token's own rate limits and budgets (zero: no limit on that one).</summary>
public sealed record TokenQuota(int RequestsPerMinute, long TokensPerMinute, int ConcurrentRequests, double BudgetPerDay, double BudgetPerMonth)
{
    public static TokenQuota? From(Contracts.V1.Quota? quota) =>
        quota is null || (quota.RequestsPerMinute, quota.TokensPerMinute, quota.ConcurrentRequests, quota.BudgetPerDay, quota.BudgetPerMonth) == (0, 0, 0, 0, 0)
            ? null
            : new TokenQuota(quota.RequestsPerMinute, quota.TokensPerMinute, quota.ConcurrentRequests, quota.BudgetPerDay, quota.BudgetPerMonth);

    public Contracts.V1.Quota ToMessage() => new()
    {
        RequestsPerMinute = RequestsPerMinute,
        TokensPerMinute = TokensPerMinute,
        ConcurrentRequests = ConcurrentRequests,
        BudgetPerDay = BudgetPerDay,
        BudgetPerMonth = BudgetPerMonth,
    };
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(TokenRecord))]
[JsonSerializable(typeof(List<string>))]
internal sealed partial class TokenJson : JsonSerializerContext;
