using System.Text;
using System.Text.Json;
using GenAiRouter.Contracts.V1;
using GenAiRouter.Routing;

namespace GenAiRouter.Upstream;

/// <summary>Reading what an upstream sent: a whole JSON answer, bounded in time and size, and error texts.</summary>
public static class UpstreamBody
{
    private const int MaxErrorBytes = 64 * 1024;

    /// <summary>
    /// The whole answer (a native upstream's, or the bridge's), read with <paramref name="idleTimeout"/> between reads and at most <paramref name="maxBytes"/>,
    /// and checked to be one JSON document. Nothing of it has reached the caller yet, so any failure may still fail over.
    /// </summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled (the caller left).</exception>
    public static async Task<(byte[]? Json, UpstreamFailure? Failure)> ReadJsonAsync(
        Stream body, long? length, TimeSpan idleTimeout, long maxBytes, CancellationToken cancellationToken)
    {
        if (length > maxBytes)
        {
            return (null, TooLarge(maxBytes));
        }
        using var idle = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        try
        {
            var json = await BoundedRead.ReadAsync(body, length, maxBytes, () =>
            {
                idle.CancelAfter(idleTimeout);
                return idle.Token;
            });
            if (json is null)
            {
                return (null, TooLarge(maxBytes));
            }
            return JsonText.IsJson(json)
                ? (json, null)
                : (null, UpstreamCaller.Failure(FailureKind.InvalidResponse, 502, "upstream_invalid_response", "its answer is not valid JSON"));
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return (null, UpstreamCaller.Failure(FailureKind.Timeout, 504, "upstream_timeout", $"it stopped answering for {idleTimeout.TotalSeconds:0} s mid-answer"));
        }
        catch (Exception e) when (e is HttpRequestException or IOException && !cancellationToken.IsCancellationRequested)
        {
            return (null, UpstreamCaller.Failure(FailureKind.InvalidResponse, 502, "upstream_invalid_response", "its answer was cut short"));
        }
    }

    /// <summary>An upstream's error text (at most 64 KiB), with the key the router used taken out.</summary>
    public static async Task<string> ErrorTextAsync(HttpResponseMessage response, string? key, CancellationToken cancellationToken)
    {
        var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        return Redact(Encoding.UTF8.GetString(bytes, 0, Math.Min(bytes.Length, MaxErrorBytes)), key);
    }

    public static string Redact(string text, string? key) =>
        string.IsNullOrEmpty(key) ? text : text.Replace(key, "[redacted]", StringComparison.Ordinal);

    private static UpstreamFailure TooLarge(long maxBytes) =>
        UpstreamCaller.Failure(FailureKind.InvalidResponse, 502, "upstream_response_too_large", $"its answer is larger than this router accepts ({maxBytes / (1024 * 1024)} MiB)");
}
