namespace GenAiRouter.Ingress.Auth;

/// <summary>The <c>token-revoked</c> event as it arrives (protobuf JSON of <c>TokenRevoked</c>).</summary>
public sealed record TokenRevokedEvent(string KeyId);
