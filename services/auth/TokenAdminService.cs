using GenAiRouter.Contracts.V1;
using GenAiRouter.Hosting;
using Grpc.Core;

namespace GenAiRouter.Auth;

/// <summary>Issues, lists and revokes caller tokens; every call needs the admin credential.</summary>
[RouterAccess(Access.Admin)]
public sealed partial class TokenAdminService(
    TokenRegistry registry,
    AuthSettings settings,
    IEventPublisher events,
    Contracts.V1.Catalog.CatalogClient catalog,
    ILogger<TokenAdminService> logger) : TokenAdmin.TokenAdminBase
{
    public override async Task<IssueTokenReply> Issue(IssueTokenRequest request, ServerCallContext context)
    {
        foreach (var (field, value) in new[] { ("user", request.User), ("project", request.Project), ("env", request.Env) })
        {
            if (!CallerToken.IsName(value))
            {
                throw Invalid($"{field} must be lowercase letters, digits and '-' (no underscores), got '{value}'");
            }
        }
        if (request.Grants.Count == 0)
        {
            throw Invalid("a token needs at least one group");
        }
        await CheckGrantsAsync(request.Grants, context.CancellationToken);
        var lifetime = request.TtlSeconds > 0 ? TimeSpan.FromSeconds(request.TtlSeconds) : AuthSettings.DefaultLifetime;
        var grants = request.Grants.Select(g => new TokenGrant(g.Group, g.Reasoning)).ToList();

        CheckQuota(request.Quota);
        var (token, record) = await registry.IssueAsync(settings.Issuer, request.User, request.Project, request.Env, grants, lifetime, TokenQuota.From(request.Quota), context.CancellationToken);

        TokenIssued(logger, record.KeyId, record.User, record.Project, record.Env, record.ExpiresAt);
        return new IssueTokenReply { Token = token.ToString(), Info = TokenMessages.Info(record) };
    }

    public override async Task<ListTokensReply> List(ListTokensRequest request, ServerCallContext context)
    {
        var reply = new ListTokensReply();
        reply.Tokens.Add((await registry.ListAsync(context.CancellationToken)).Select(TokenMessages.Info));
        return reply;
    }

    public override async Task<RevokeTokenReply> Revoke(RevokeTokenRequest request, ServerCallContext context)
    {
        var record = await registry.RevokeAsync(request.KeyId, context.CancellationToken)
            ?? throw new RpcException(new Status(StatusCode.NotFound, $"no caller token has key id '{request.KeyId}'"));

        // Every ingress replica drops its cached validation of this key at once.
        await events.PublishAsync(Topics.TokenRevoked,
            new TokenRevoked { KeyId = record.KeyId, RevokedAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(record.RevokedAt!.Value) },
            context.CancellationToken);
        TokenRevokedLog(logger, record.KeyId);
        return new RevokeTokenReply { Info = TokenMessages.Info(record) };
    }

    public override async Task<SetTokenQuotaReply> SetQuota(SetTokenQuotaRequest request, ServerCallContext context)
    {
        CheckQuota(request.Quota);
        var record = await registry.SetQuotaAsync(request.KeyId, TokenQuota.From(request.Quota), context.CancellationToken)
            ?? throw new RpcException(new Status(StatusCode.NotFound, $"no caller token has key id '{request.KeyId}'"));

        // Every ingress replica drops its cached validation of this key, and reads the new limits with its next request.
        await events.PublishAsync(Topics.TokenRevoked, new TokenRevoked { KeyId = record.KeyId }, context.CancellationToken);
        TokenQuotaSet(logger, record.KeyId);
        return new SetTokenQuotaReply { Info = TokenMessages.Info(record) };
    }

    private static void CheckQuota(Quota? quota)
    {
        if (quota is not null && (quota.RequestsPerMinute < 0 || quota.TokensPerMinute < 0 || quota.ConcurrentRequests < 0
            || quota.BudgetPerDay < 0 || quota.BudgetPerMonth < 0 || !double.IsFinite(quota.BudgetPerDay) || !double.IsFinite(quota.BudgetPerMonth)))
        {
            throw Invalid("limits and budgets must be zero or more");
        }
    }

    /// <summary>Grants must name groups the catalog knows; reasoning only where the group offers it.</summary>
    private async Task CheckGrantsAsync(IEnumerable<GroupGrant> grants, CancellationToken cancellationToken)
    {
        CatalogSnapshot snapshot;
        try
        {
            snapshot = await catalog.GetSnapshotAsync(new GetSnapshotRequest(), deadline: DateTime.UtcNow.AddSeconds(5), cancellationToken: cancellationToken);
        }
        catch (RpcException e) when (e.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded)
        {
            throw new RpcException(new Status(StatusCode.Unavailable,
                $"the catalog service is not reachable from auth ({e.StatusCode}), so the groups to grant cannot be checked; retry when the catalog is back"));
        }
        var groups = snapshot.Groups.ToDictionary(g => g.Name, StringComparer.Ordinal);
        foreach (var grant in grants)
        {
            if (!groups.TryGetValue(grant.Group, out var group))
            {
                throw Invalid($"unknown group '{grant.Group}' (known: {string.Join(", ", groups.Keys)})");
            }
            if (grant.Reasoning && (group.Reasoning is null || group.Reasoning.Levels.Count == 0))
            {
                throw Invalid($"group '{grant.Group}' offers no reasoning levels to grant");
            }
        }
    }

    private static RpcException Invalid(string message) => new(new Status(StatusCode.InvalidArgument, message));

    [LoggerMessage(Level = LogLevel.Information, Message = "Issued caller token {KeyId} for {User}/{Project}/{Env}, expires {ExpiresAt:u}")]
    private static partial void TokenIssued(ILogger logger, string keyId, string user, string project, string env, DateTimeOffset expiresAt);

    [LoggerMessage(Level = LogLevel.Information, Message = "Set the limits of caller token {KeyId}")]
    private static partial void TokenQuotaSet(ILogger logger, string keyId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Revoked caller token {KeyId}")]
    private static partial void TokenRevokedLog(ILogger logger, string keyId);
}
