using GenAiRouter.Routing;

namespace GenAiRouter.Ingress.Routing;

/// <summary>Reads a request body up to the configured limit (<c>limits.max_body_mb</c>), whatever its framing.</summary>
public static class RequestBody
{
    /// <returns>The body, or the error the caller gets instead (too large, too slow, badly framed).</returns>
    public static async Task<(byte[]? Body, RouterError? Error)> ReadAsync(HttpContext http, long maxBytes)
    {
        var request = http.Request;
        if (request.ContentLength > maxBytes)
        {
            return (null, TooLarge(http, maxBytes));
        }
        try
        {
            var aborted = http.RequestAborted;
            return await BoundedRead.ReadAsync(request.Body, request.ContentLength, maxBytes, () => aborted) is { } body
                ? (body, null)
                : (null, TooLarge(http, maxBytes));
        }
        catch (BadHttpRequestException e)
        {
            // Kestrel's own verdicts on the body (too slow, badly framed), in the door's shape instead of an empty answer.
            http.Response.Headers.Connection = "close";
            return (null, e.StatusCode == StatusCodes.Status408RequestTimeout
                ? new RouterError(408, "invalid_request_error", "request_timeout", "The request body arrived too slowly.")
                : RouterError.Invalid($"The request body could not be read: {e.Message}", code: "bad_request_body"));
        }
    }

    /// <summary>The rest of the body is not read: the connection closes after the answer instead of draining it.</summary>
    private static RouterError TooLarge(HttpContext http, long maxBytes)
    {
        http.Response.Headers.Connection = "close";
        return RouterError.BodyTooLarge(maxBytes);
    }
}
