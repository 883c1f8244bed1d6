using GenAiRouter.Contracts.V1;
using GenAiRouter.Hosting;

namespace GenAiRouter.Auth.Tests;

public sealed class TokenRegistryTests
{
    private static readonly TokenGrant[] BigCoder = [new("big-coder", Reasoning: true)];
    private readonly ManualTime _time = new();
    private readonly TokenRegistry _registry;

    public TokenRegistryTests() => _registry = new TokenRegistry(new InMemoryStateStore(_time), _time);

    [Fact]
    public async Task An_issued_token_validates_to_its_caller_and_grants()
    {
        var (token, _) = await IssueAsync(TimeSpan.FromDays(30));

        var reply = await _registry.ValidateAsync(token.ToString(), "metrum", default);

        Assert.Equal(ValidateTokenReply.ResultOneofCase.Caller, reply.ResultCase);
        Assert.Equal(("alice", "web", "dev", token.KeyId), (reply.Caller.User, reply.Caller.Project, reply.Caller.Env, reply.Caller.KeyId));
        Assert.Equal([new GroupGrant { Group = "big-coder", Reasoning = true }], reply.Caller.Grants);
    }

    [Fact]
    public async Task Only_a_hash_of_the_secret_is_stored()
    {
        var store = new InMemoryStateStore(_time);
        var registry = new TokenRegistry(store, _time);
        var (token, _) = await registry.IssueAsync("metrum", "alice", "web", "dev", BigCoder, TimeSpan.FromDays(1), null, default);

        var stored = System.Text.Encoding.UTF8.GetString((await store.GetAsync($"token:{token.KeyId}", default))!);

        Assert.DoesNotContain(token.Secret, stored, StringComparison.Ordinal);
        Assert.DoesNotContain(token.ToString(), stored, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_token_is_refused_once_it_expires()
    {
        var (token, _) = await IssueAsync(TimeSpan.FromHours(1));

        _time.Advance(TimeSpan.FromHours(1));

        Assert.Equal(TokenRejection.Expired, (await _registry.ValidateAsync(token.ToString(), "metrum", default)).Rejection);
    }

    [Fact]
    public async Task A_revoked_token_is_refused_and_revoking_again_changes_nothing()
    {
        var (token, _) = await IssueAsync(TimeSpan.FromDays(1));

        var revoked = await _registry.RevokeAsync(token.KeyId, default);
        var again = await _registry.RevokeAsync(token.KeyId, default);

        Assert.NotNull(revoked?.RevokedAt);
        Assert.Equal(revoked!.RevokedAt, again!.RevokedAt);
        Assert.Equal(TokenRejection.Revoked, (await _registry.ValidateAsync(token.ToString(), "metrum", default)).Rejection);
        Assert.Null(await _registry.RevokeAsync("nosuchkey0", default));
    }

    [Fact]
    public async Task A_token_with_a_wrong_secret_or_altered_names_or_issuer_is_unknown()
    {
        var (token, _) = await IssueAsync(TimeSpan.FromDays(1));
        var wrongSecret = token with { Secret = CallerToken.Issue("metrum", "a", "b", "c").Secret };
        var otherUser = token with { User = "mallory" };

        Assert.Equal(TokenRejection.Unknown, (await _registry.ValidateAsync(wrongSecret.ToString(), "metrum", default)).Rejection);
        Assert.Equal(TokenRejection.Unknown, (await _registry.ValidateAsync(otherUser.ToString(), "metrum", default)).Rejection);
        Assert.Equal(TokenRejection.Unknown, (await _registry.ValidateAsync(token.ToString(), "acme", default)).Rejection);
        Assert.Equal(TokenRejection.Malformed, (await _registry.ValidateAsync("rtr_nope", "metrum", default)).Rejection);
    }

    [Fact]
    public async Task Concurrent_issues_and_revokes_lose_no_write()
    {
        var issued = await Task.WhenAll(Enumerable.Range(0, 30).Select(_ => Task.Run(() => IssueAsync(TimeSpan.FromDays(1)))));
        await Task.WhenAll(issued.Take(10).Select(t => Task.Run(() => _registry.RevokeAsync(t.Token.KeyId, default))));

        var listed = await _registry.ListAsync(default);

        Assert.Equal(issued.Select(t => t.Token.KeyId).Order(), listed.Select(r => r.KeyId).Order());
        Assert.Equal(10, listed.Count(r => r.RevokedAt is not null));
    }

    private Task<(CallerToken Token, TokenRecord Record)> IssueAsync(TimeSpan lifetime) =>
        _registry.IssueAsync("metrum", "alice", "web", "dev", BigCoder, lifetime, null, default);
}
