namespace GenAiRouter.Ingress.Auth;

/// <summary>Where callers present their caller token, by door.</summary>
public static class CallerCredentials
{
    /// <summary>Longer than any caller token: refused before it is hashed or sent anywhere.</summary>
    private const int MaxHeaderLength = 512;

    /// <summary><c>Authorization: Bearer rtr_...</c>, as the OpenAI clients send it.</summary>
    public static (string? Token, AuthFailure Failure) Bearer(HttpRequest request)
    {
        var header = request.Headers.Authorization;
        if (header.Count != 1 || header[0] is not { } value || !value.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return (null, header.Count == 0 ? AuthFailure.Missing : AuthFailure.Malformed);
        }
        return value.Length > MaxHeaderLength ? (null, AuthFailure.Malformed) : (value.AsSpan(7).Trim().ToString(), AuthFailure.None);
    }

    /// <summary>
    /// <c>x-api-key: rtr_...</c>, as Anthropic's API takes keys (Claude Code with ANTHROPIC_API_KEY), else a Bearer token
    /// (ANTHROPIC_AUTH_TOKEN, the Anthropic SDKs). When a client sends both, the x-api-key is the key it means.
    /// </summary>
    public static (string? Token, AuthFailure Failure) ApiKeyOrBearer(HttpRequest request)
    {
        var header = request.Headers["x-api-key"];
        if (header.Count == 0)
        {
            return Bearer(request);
        }
        return header.Count != 1 || header[0] is not { Length: > 0 and <= MaxHeaderLength } value ? (null, AuthFailure.Malformed) : (value.Trim(), AuthFailure.None);
    }
}
