namespace GenAiRouter.Ingress.Routing;

/// <summary>
/// The router's own limits on a request's head, checked before anything else so that an oversized head gets an answer
/// in the door's shape. Kestrel's limits sit above these (twice as high, <see cref="Hosting.Listeners"/>): only a head
/// beyond those gets Kestrel's own empty refusal.
/// </summary>
public static class RequestHeaders
{
    public const int MaxCount = 100;
    public const int MaxTotalBytes = 32 * 1024;
    public const int MaxTargetBytes = 8 * 1024;

    public static RouterError? Check(HttpRequest request)
    {
        if (request.Path.Value?.Length + request.QueryString.Value?.Length > MaxTargetBytes)
        {
            return new RouterError(414, "invalid_request_error", "uri_too_long", $"The request URL is longer than this router accepts ({MaxTargetBytes / 1024} KiB).");
        }
        var headers = request.Headers;
        if (headers.Count > MaxCount)
        {
            return TooLarge($"The request has {headers.Count} headers; this router accepts at most {MaxCount}.");
        }
        var total = 0;
        foreach (var (name, values) in headers)
        {
            total += name.Length;
            foreach (var value in values)
            {
                total += value?.Length ?? 0;
            }
        }
        return total > MaxTotalBytes ? TooLarge($"The request headers are larger than this router accepts ({MaxTotalBytes / 1024} KiB).") : null;
    }

    private static RouterError TooLarge(string message) => new(431, "invalid_request_error", "request_headers_too_large", message);
}
