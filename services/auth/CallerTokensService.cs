using System.Diagnostics.Metrics;
using GenAiRouter.Contracts.V1;
using Grpc.Core;

namespace GenAiRouter.Auth;

/// <summary>Validates caller tokens for ingress (on its cache misses only).</summary>
public sealed class CallerTokensService(TokenRegistry registry, AuthSettings settings, IMeterFactory meters) : CallerTokens.CallerTokensBase
{
    private readonly Counter<long> _checks = meters.Create("GenAiRouter.Auth").CreateCounter<long>("router.auth.token_checks", "{check}",
        "Caller tokens checked for ingress, by result (valid, or why refused: malformed, unknown, revoked, expired)");

    public override async Task<ValidateTokenReply> Validate(ValidateTokenRequest request, ServerCallContext context)
    {
        var reply = await registry.ValidateAsync(request.Token, settings.Issuer, context.CancellationToken);
        _checks.Add(1, new KeyValuePair<string, object?>("result", reply.ResultCase == ValidateTokenReply.ResultOneofCase.Caller ? "valid" : reply.Rejection switch
        {
            TokenRejection.Malformed => "malformed",
            TokenRejection.Revoked => "revoked",
            TokenRejection.Expired => "expired",
            _ => "unknown",
        }));
        return reply;
    }
}
