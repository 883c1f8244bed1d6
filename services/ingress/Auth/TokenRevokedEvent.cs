namespace GenAiRouter.Ingress.Auth;

/// <summary>
/// The <c>token-revoked</c> event as it arrives (protobuf JSON of <c>TokenRevoked</c>): a token was revoked
/// (<paramref name="RevokedAt"/> set) or its limits changed.
/// </summary>
public sealed record TokenRevokedEvent(string KeyId, DateTimeOffset? RevokedAt = null);
