namespace GenAiRouter.Ingress;

/// <summary>Errors in OpenAI's shape: <c>{"error": {"message", "type", "param", "code"}}</c>, never echoing secrets.</summary>
public static class OpenAiErrors
{
    public static IResult Error(int status, string message, string type, string? code = null, string? param = null) =>
        Results.Json(new { error = new { message, type, param, code } }, statusCode: status);

    public static IResult UnknownRoute(HttpContext http) =>
        Error(StatusCodes.Status404NotFound,
            $"Unknown request URL: {http.Request.Method} {http.Request.Path}. This router serves the OpenAI API under /v1.",
            "invalid_request_error", "unknown_url");

    public static IResult Unauthenticated(AuthFailure failure) => failure switch
    {
        AuthFailure.AuthUnavailable => Error(StatusCodes.Status503ServiceUnavailable,
            "The router cannot check caller tokens right now; retry shortly.", "server_error", "auth_unavailable"),
        _ => Error(StatusCodes.Status401Unauthorized, failure switch
        {
            AuthFailure.Missing => "Missing caller token: send 'Authorization: Bearer rtr_...' with a token from your platform team.",
            AuthFailure.Malformed => "Malformed caller token: expected 'Authorization: Bearer rtr_<issuer>_<user>_<project>_<env>_<keyid>_<secret>'.",
            AuthFailure.Expired => "This caller token has expired; ask your platform team for a new one.",
            AuthFailure.Revoked => "This caller token has been revoked; ask your platform team for a new one.",
            _ => "This caller token is not known to this router.",
        }, "invalid_request_error", "invalid_api_key"),
    };
}
