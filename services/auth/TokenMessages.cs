using GenAiRouter.Contracts.V1;
using Google.Protobuf.WellKnownTypes;

namespace GenAiRouter.Auth;

/// <summary>Token records as the gRPC contract shows them (no secret, no hash).</summary>
public static class TokenMessages
{
    public static Caller Caller(TokenRecord record)
    {
        var caller = new Caller
        {
            Issuer = record.Issuer,
            KeyId = record.KeyId,
            User = record.User,
            Project = record.Project,
            Env = record.Env,
            ExpiresAt = Timestamp.FromDateTimeOffset(record.ExpiresAt),
        };
        caller.Grants.Add(record.Grants.Select(g => new GroupGrant { Group = g.Group, Reasoning = g.Reasoning }));
        caller.Quota = record.Quota?.ToMessage();
        return caller;
    }

    public static TokenInfo Info(TokenRecord record) => new()
    {
        Caller = Caller(record),
        IssuedAt = Timestamp.FromDateTimeOffset(record.IssuedAt),
        RevokedAt = record.RevokedAt is { } revoked ? Timestamp.FromDateTimeOffset(revoked) : null,
    };
}
