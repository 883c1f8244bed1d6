using System.Security.Cryptography;
using System.Text.Json;
using GenAiRouter.Contracts.V1;
using GenAiRouter.Hosting;

namespace GenAiRouter.Auth;

/// <summary>
/// Caller tokens in the <c>tokens</c> state store: one entry per key id, plus an index of key ids for listing.
/// Every change is a read-modify-write with the entry's ETag, so concurrent issue and revoke never lose a write.
/// </summary>
public sealed class TokenRegistry([FromKeyedServices(TokenRegistry.StoreName)] IStateStore store, TimeProvider time)
{
    public const string StoreName = "tokens";
    private const string IndexKey = "tokens:index";

    // Read and compared in place of a record that does not exist, so an unknown key id costs what a known one does.
    private static readonly byte[] Decoy = Serialize(new TokenRecord("decoy", "", "", "", "", new byte[32], [], default, default, null));

    public async Task<(CallerToken Token, TokenRecord Record)> IssueAsync(
        string issuer, string user, string project, string env, IReadOnlyList<TokenGrant> grants, TimeSpan lifetime, TokenQuota? quota, CancellationToken cancellationToken)
    {
        while (true)
        {
            var token = CallerToken.Issue(issuer, user, project, env);
            var now = time.GetUtcNow();
            var record = new TokenRecord(token.KeyId, issuer, user, project, env, token.SecretHash(), grants, now, now + lifetime, null, quota);
            // A key id collision (1 in 36^10) just draws again.
            if (await store.TrySetAsync(Key(token.KeyId), Serialize(record), etag: null, cancellationToken))
            {
                await UpdateIndexAsync(ids => ids.Add(token.KeyId), cancellationToken);
                return (token, record);
            }
        }
    }

    public async Task<TokenRecord?> FindAsync(string keyId, CancellationToken cancellationToken) =>
        await store.GetAsync(Key(keyId), cancellationToken) is { } bytes ? Deserialize(bytes) : null;

    public async Task<IReadOnlyList<TokenRecord>> ListAsync(CancellationToken cancellationToken)
    {
        var ids = await store.GetAsync(IndexKey, cancellationToken) is { } index
            ? JsonSerializer.Deserialize(index, TokenJson.Default.ListString) ?? []
            : [];
        var records = new List<TokenRecord>(ids.Count);
        foreach (var id in ids)
        {
            if (await FindAsync(id, cancellationToken) is { } record)
            {
                records.Add(record);
            }
        }
        return records;
    }

    /// <returns>The record with its new quota, or null when no token has this key id.</returns>
    public Task<TokenRecord?> SetQuotaAsync(string keyId, TokenQuota? quota, CancellationToken cancellationToken) =>
        UpdateAsync(keyId, record => record with { Quota = quota }, cancellationToken);

    /// <returns>The revoked record, or null when no token has this key id.</returns>
    public Task<TokenRecord?> RevokeAsync(string keyId, CancellationToken cancellationToken) =>
        UpdateAsync(keyId, record => record.RevokedAt is null ? record with { RevokedAt = time.GetUtcNow() } : record, cancellationToken);

    /// <summary>Changes a record, retrying when another writer changed it in between.</summary>
    private async Task<TokenRecord?> UpdateAsync(string keyId, Func<TokenRecord, TokenRecord> change, CancellationToken cancellationToken)
    {
        while (true)
        {
            if (await store.GetEntryAsync(Key(keyId), cancellationToken) is not { } entry)
            {
                return null;
            }
            var record = Deserialize(entry.Value);
            var changed = change(record);
            if (changed == record || await store.TrySetAsync(Key(keyId), Serialize(changed), entry.ETag, cancellationToken))
            {
                return changed;
            }
        }
    }

    /// <summary>Checks a presented token against its record; the secret comparison takes constant time.</summary>
    public async Task<ValidateTokenReply> ValidateAsync(string presented, string issuer, CancellationToken cancellationToken)
    {
        if (!CallerToken.TryParse(presented, out var token))
        {
            return new ValidateTokenReply { Rejection = TokenRejection.Malformed };
        }
        var stored = token.Issuer == issuer ? await store.GetAsync(Key(token.KeyId), cancellationToken) : null;
        // The same work whether or not the key id exists: a timing difference would tell a guesser which ids do.
        var record = Deserialize(stored ?? Decoy);
        if (stored is null
            || !CryptographicOperations.FixedTimeEquals(token.SecretHash(), record.SecretHash)
            || (record.Issuer, record.User, record.Project, record.Env) != (token.Issuer, token.User, token.Project, token.Env))
        {
            return new ValidateTokenReply { Rejection = TokenRejection.Unknown };
        }
        if (record.RevokedAt is not null)
        {
            return new ValidateTokenReply { Rejection = TokenRejection.Revoked };
        }
        if (record.ExpiresAt <= time.GetUtcNow())
        {
            return new ValidateTokenReply { Rejection = TokenRejection.Expired };
        }
        return new ValidateTokenReply { Caller = TokenMessages.Caller(record) };
    }

    private async Task UpdateIndexAsync(Action<List<string>> change, CancellationToken cancellationToken)
    {
        while (true)
        {
            var entry = await store.GetEntryAsync(IndexKey, cancellationToken);
            var ids = entry is null ? [] : JsonSerializer.Deserialize(entry.Value, TokenJson.Default.ListString) ?? [];
            change(ids);
            if (await store.TrySetAsync(IndexKey, JsonSerializer.SerializeToUtf8Bytes(ids, TokenJson.Default.ListString), entry?.ETag, cancellationToken))
            {
                return;
            }
        }
    }

    private static string Key(string keyId) => $"token:{keyId}";

    private static byte[] Serialize(TokenRecord record) => JsonSerializer.SerializeToUtf8Bytes(record, TokenJson.Default.TokenRecord);

    private static TokenRecord Deserialize(byte[] bytes) =>
        JsonSerializer.Deserialize(bytes, TokenJson.Default.TokenRecord) ?? throw new InvalidDataException("empty token record");
}
