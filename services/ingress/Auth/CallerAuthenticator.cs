using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using GenAiRouter.Contracts.V1;
using Grpc.Core;

namespace GenAiRouter.Ingress.Auth;

/// <summary>
/// Authenticates a caller token (each door says where it is presented). Validation results are cached locally, keyed by a hash of the token
/// (never the token), so a steady stream of requests costs no call to auth; a revocation event drops the
/// key's entries at once, and entries also lapse after a minute as a backstop.
/// </summary>
public sealed class CallerAuthenticator(CallerTokens.CallerTokensClient auth, Telemetry.RouterMetrics metrics, TimeProvider time)
{
    private static readonly TimeSpan AcceptedFor = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan RefusedFor = TimeSpan.FromSeconds(5);
    private const int MaxEntries = 100_000;

    // SHA-256 (32 bytes) as base64: 44 characters.
    private const int HashTextLength = 44;
    private const int MaxTokenBytes = 512;

    private readonly ConcurrentDictionary<string, Validation> _cache = new(StringComparer.Ordinal);

    public async ValueTask<AuthenticationResult> AuthenticateAsync((string? Token, AuthFailure Failure) presented, CancellationToken cancellationToken)
    {
        if (presented.Token is not { } token)
        {
            return AuthenticationResult.Refused(presented.Failure);
        }
        // The cache is looked up by the hash's text on the stack: a hit allocates nothing.
        Span<char> hashText = stackalloc char[HashTextLength];
        HashOf(token, hashText);
        var now = time.GetUtcNow();
        if (_cache.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(hashText, out var cached) && cached.Until > now)
        {
            metrics.Validated(fromCache: true, cached.Result.Failure);
            return cached.Result;
        }
        var key = hashText.ToString();

        ValidateTokenReply reply;
        try
        {
            reply = await auth.ValidateAsync(new ValidateTokenRequest { Token = token }, deadline: DateTime.UtcNow.AddSeconds(5), cancellationToken: cancellationToken);
        }
        catch (RpcException e) when (e.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded)
        {
            metrics.Validated(fromCache: false, AuthFailure.AuthUnavailable);
            return AuthenticationResult.Refused(AuthFailure.AuthUnavailable);
        }
        var result = reply.ResultCase == ValidateTokenReply.ResultOneofCase.Caller
            ? AuthenticationResult.Accepted(reply.Caller)
            : AuthenticationResult.Refused(reply.Rejection switch
            {
                TokenRejection.Expired => AuthFailure.Expired,
                TokenRejection.Revoked => AuthFailure.Revoked,
                TokenRejection.Malformed => AuthFailure.Malformed,
                _ => AuthFailure.Unknown,
            });
        metrics.Validated(fromCache: false, result.Failure);
        if (_cache.Count >= MaxEntries)
        {
            Evict(now);
        }
        var until = result.Caller is { } caller
            ? Min(now + AcceptedFor, caller.ExpiresAt.ToDateTimeOffset())
            : now + RefusedFor;
        _cache[key] = new Validation(result, until);
        return result;
    }

    /// <summary>Drops every cached validation of <paramref name="keyId"/>.</summary>
    public void Revoke(string keyId)
    {
        foreach (var (key, validation) in _cache)
        {
            if (validation.Result.Caller?.KeyId == keyId)
            {
                _cache.TryRemove(key, out _);
            }
        }
    }

    /// <summary>Makes room: lapsed entries go first; only a cache full of live ones starts over.</summary>
    private void Evict(DateTimeOffset now)
    {
        foreach (var (key, validation) in _cache)
        {
            if (validation.Until <= now)
            {
                _cache.TryRemove(key, out _);
            }
        }
        if (_cache.Count >= MaxEntries)
        {
            _cache.Clear();
        }
    }

    /// <summary>The token's SHA-256 as base64, written into <paramref name="text"/>: the cache never holds the token itself.</summary>
    private static void HashOf(string token, Span<char> text)
    {
        var length = Encoding.UTF8.GetByteCount(token);
        var large = length > MaxTokenBytes ? new byte[length] : null;
        Span<byte> utf8 = large ?? stackalloc byte[MaxTokenBytes];
        utf8 = utf8[..Encoding.UTF8.GetBytes(token, utf8)];
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(utf8, hash);
        Convert.TryToBase64Chars(hash, text, out _);
    }

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    private sealed record Validation(AuthenticationResult Result, DateTimeOffset Until);
}

public enum AuthFailure
{
    None,
    Missing,
    Malformed,
    Unknown,
    Expired,
    Revoked,
    AuthUnavailable,
}

public sealed record AuthenticationResult(Caller? Caller, AuthFailure Failure)
{
    public static AuthenticationResult Accepted(Caller caller) => new(caller, AuthFailure.None);

    public static AuthenticationResult Refused(AuthFailure failure) => new(null, failure);
}
