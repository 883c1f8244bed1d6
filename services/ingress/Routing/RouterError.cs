using GenAiRouter.Contracts.V1;
using GenAiRouter.Ingress.Auth;

namespace GenAiRouter.Ingress.Routing;

/// <summary>
/// Why the router answers a request with an error, independent of any door's error shape: each door writes it in
/// its own (OpenAI's <c>{"error": {...}}</c>, Anthropic's...). Messages tell the caller what to do and never carry a
/// secret, an internal address or a stack trace.
/// </summary>
/// <param name="Type">The OpenAI error type (<c>invalid_request_error</c>, <c>permission_error</c>, ...).</param>
public sealed record RouterError(int Status, string Type, string Code, string Message, string? Param = null, TimeSpan? RetryAfter = null)
{
    public static RouterError Invalid(string message, string? param = null, string code = "invalid_request") =>
        new(400, "invalid_request_error", code, message, param);

    public static RouterError Unauthenticated(AuthFailure failure) => failure switch
    {
        AuthFailure.AuthUnavailable => new(503, "server_error", "auth_unavailable", "The router cannot check caller tokens right now; retry shortly."),
        _ => new(401, "invalid_request_error", "invalid_api_key", failure switch
        {
            AuthFailure.Missing => "Missing caller token: send 'Authorization: Bearer rtr_...' (or 'x-api-key: rtr_...' to /v1/messages) with a token from your platform team.",
            AuthFailure.Malformed => "Malformed caller token: expected rtr_<issuer>_<user>_<project>_<env>_<keyid>_<secret> as 'Authorization: Bearer ...' (or 'x-api-key: ...' to /v1/messages).",
            AuthFailure.Expired => "This caller token has expired; ask your platform team for a new one.",
            AuthFailure.Revoked => "This caller token has been revoked; ask your platform team for a new one.",
            _ => "This caller token is not known to this router.",
        }),
    };

    public static RouterError CatalogUnavailable { get; } = new(503, "server_error", "catalog_unavailable", "The router has no model catalog yet; retry shortly.");

    public static RouterError BodyTooLarge(long maxBytes) =>
        new(413, "invalid_request_error", "request_too_large", $"The request body is larger than this router accepts ({maxBytes / (1024 * 1024)} MiB).");

    public static RouterError NoSuchGroup(string group) =>
        new(404, "invalid_request_error", "model_not_found", $"The model group '{group}' does not exist. GET /v1/models lists the groups you may use.", "model");

    public static RouterError GroupNotAllowed(string group) =>
        new(403, "permission_error", "model_not_allowed", $"Your caller token may not use the model group '{group}'. GET /v1/models lists the groups you may use.", "model");

    public static RouterError NoTargetServes(string group, IEnumerable<string> missing) =>
        Invalid($"No target in the model group '{group}' can serve this request: none has {string.Join(" + ", missing)}.", "model", "unsupported_request_shape");

    /// <summary>What the caller gets when every target failed, from the last failure.</summary>
    public static RouterError AllTargetsFailed(string group, UpstreamFailure? last) => last switch
    {
        { Kind: FailureKind.RateLimited } => new(429, "rate_limit_error", "rate_limit_exceeded",
            $"Every target of the model group '{group}' is rate limited right now; retry {(last.RetryAfterSeconds > 0 ? $"after {last.RetryAfterSeconds} s" : "shortly")}.",
            RetryAfter: last.RetryAfterSeconds > 0 ? TimeSpan.FromSeconds(last.RetryAfterSeconds) : null),
        { Kind: FailureKind.Timeout } => new(504, "server_error", "upstream_timeout", $"No target of the model group '{group}' answered in time; retry later."),
        { Kind: FailureKind.NoKey } => new(502, "server_error", "upstream_misconfigured",
            $"The model group '{group}' is misconfigured: its upstream credentials are missing. Tell your platform team."),
        { Kind: FailureKind.InvalidResponse } => new(502, "server_error", last.Code is { Length: > 0 } code ? code : "upstream_invalid_response",
            $"No target of the model group '{group}' gave a usable answer: {last.Message}"),
        _ => new(502, "server_error", "upstream_unavailable", $"No target of the model group '{group}' is reachable right now; retry later."),
    };

    /// <summary>The request as such was refused by the target (or could not be translated for it): another target would refuse it too.</summary>
    public static RouterError Refused(UpstreamFailure failure) =>
        new(failure.Status is >= 400 and < 500 ? failure.Status : 400, "invalid_request_error", failure.Code, failure.Message, failure.Param is { Length: > 0 } param ? param : null);

    /// <summary>A stream already under way broke off; said in the stream's own terms.</summary>
    public static RouterError Broken(string code, string message) => new(502, "server_error", code, message);
}
