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
    DateTimeOffset? RevokedAt);

public sealed record TokenGrant(string Group, bool Reasoning);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(TokenRecord))]
[JsonSerializable(typeof(List<string>))]
internal sealed partial class TokenJson : JsonSerializerContext;
