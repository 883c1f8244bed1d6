using System.Globalization;
using GenAiRouter.Ingress.Routing;

namespace GenAiRouter.Ingress.Doors;

/// <summary>A refusal on the wire, whatever the door's shape: its status, <c>Retry-After</c> when it has one, and the body framed by its length.</summary>
public static class ErrorResponse
{
    public static Task WriteAsync(HttpContext http, RouterError error, byte[] body)
    {
        var response = http.Response;
        response.StatusCode = error.Status;
        response.ContentType = "application/json";
        if (error.RetryAfter is { } delay)
        {
            response.Headers.RetryAfter = ((int)Math.Ceiling(delay.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        }
        response.ContentLength = body.Length;
        return response.Body.WriteAsync(body, http.RequestAborted).AsTask();
    }
}
