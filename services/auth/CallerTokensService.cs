using GenAiRouter.Contracts.V1;
using Grpc.Core;

namespace GenAiRouter.Auth;

/// <summary>Validates caller tokens for ingress (on its cache misses only).</summary>
public sealed class CallerTokensService(TokenRegistry registry, AuthSettings settings) : CallerTokens.CallerTokensBase
{
    public override Task<ValidateTokenReply> Validate(ValidateTokenRequest request, ServerCallContext context) =>
        registry.ValidateAsync(request.Token, settings.Issuer, context.CancellationToken);
}
