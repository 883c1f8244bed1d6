namespace GenAiRouter.Ingress;

/// <summary>Errors in OpenAI's shape: <c>{"error": {"message", "type", "param", "code"}}</c>.</summary>
public static class OpenAiErrors
{
    public static IResult Error(int status, string message, string type, string? code = null, string? param = null) =>
        Results.Json(new { error = new { message, type, param, code } }, statusCode: status);

    public static IResult UnknownRoute(HttpContext http) =>
        Error(StatusCodes.Status404NotFound,
            $"Unknown request URL: {http.Request.Method} {http.Request.Path}. This router serves the OpenAI API under /v1.",
            "invalid_request_error", "unknown_url");
}
