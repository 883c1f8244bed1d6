using System.Net.Http.Headers;
using GenAiRouter.Contracts.V1;
using Microsoft.Extensions.Logging;

namespace GenAiRouter.Upstream;

/// <summary>
/// The response of an upstream call, headers read, or why there is none. A <see cref="Response"/> may still be a 4xx
/// the caller must see: only failures another target might not have (unreachable, timeout, 429, 5xx, refused
/// credentials, no key) come back as a <see cref="Failure"/>.
/// </summary>
public sealed class UpstreamCall(HttpResponseMessage? response, UpstreamFailure? failure, string? key) : IDisposable
{
    public HttpResponseMessage? Response { get; } = response;

    public UpstreamFailure? Failure { get; } = failure;

    /// <summary>The upstream key used, so that an error text quoting it can be redacted before anyone sees it.</summary>
    public string? Key { get; } = key;

    public void Dispose() => Response?.Dispose();
}

/// <summary>
/// Calls a target as its API expects (path, credentials), with the configured connect and first-byte timeouts, and
/// classifies what went wrong in one place for ingress and the bridge. The target comes from the local catalog
/// snapshot: its URL and the name of the variable holding its key are the deployment's, never the request's.
/// </summary>
public sealed partial class UpstreamCaller(UpstreamClients clients, ILogger<UpstreamCaller> logger)
{
    /// <summary>The Messages API version the router speaks when the caller named none (a translated request).</summary>
    public const string AnthropicVersion = "2023-06-01";

    /// <param name="headers">Protocol headers the caller sent that the upstream must see (Anthropic's version and betas).</param>
    /// <param name="path">Another operation than the target's main endpoint (e.g. <c>/messages/count_tokens</c>).</param>
    public async Task<UpstreamCall> SendAsync(Target target, HttpContent body, Limits limits, CancellationToken cancellationToken,
        IReadOnlyList<KeyValuePair<string, string>>? headers = null, string? path = null)
    {
        var key = string.IsNullOrEmpty(target.ApiKeyEnv) ? null : Environment.GetEnvironmentVariable(target.ApiKeyEnv);
        if (!string.IsNullOrEmpty(target.ApiKeyEnv) && string.IsNullOrEmpty(key))
        {
            UpstreamKeyMissing(logger, target.Name, target.ApiKeyEnv);
            return Failed(FailureKind.NoKey, 502, "upstream_misconfigured", "its upstream credentials are missing");
        }
        using var message = new HttpRequestMessage(HttpMethod.Post, path is null ? TargetEndpoint.Uri(target) : TargetEndpoint.Uri(target, path)) { Content = body };
        body.Headers.ContentType ??= new MediaTypeHeaderValue("application/json");
        foreach (var (name, value) in headers ?? [])
        {
            message.Headers.TryAddWithoutValidation(name, value);
        }
        if (target.Api == Protocol.Messages)
        {
            // Anthropic's API takes its key in x-api-key and needs a version.
            if (key is not null)
            {
                message.Headers.TryAddWithoutValidation("x-api-key", key);
            }
            if (!message.Headers.Contains("anthropic-version"))
            {
                message.Headers.TryAddWithoutValidation("anthropic-version", AnthropicVersion);
            }
        }
        else if (key is not null)
        {
            message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        HttpResponseMessage response;
        using (var firstByte = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            firstByte.CancelAfter(Positive(limits.FirstByteTimeout, TimeSpan.FromSeconds(120)));
            try
            {
                response = await clients.For(target.BaseUrl, Positive(limits.ConnectTimeout, TimeSpan.FromSeconds(5)))
                    .SendAsync(message, HttpCompletionOption.ResponseHeadersRead, firstByte.Token);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
            catch (OperationCanceledException)
            {
                return Failed(FailureKind.Timeout, 504, "upstream_timeout", "it did not answer in time");
            }
            catch (HttpRequestException e)
            {
                return e.InnerException is TimeoutException
                    ? Failed(FailureKind.Timeout, 504, "upstream_timeout", "it did not answer in time")
                    : Failed(FailureKind.Unreachable, 502, "upstream_unavailable", "it is not reachable");
            }
        }
        var status = (int)response.StatusCode;
        if (status == 429)
        {
            var failure = Failure(FailureKind.RateLimited, 429, "rate_limit_exceeded", "it is rate limited");
            failure.RetryAfterSeconds = (int)Math.Ceiling(response.Headers.RetryAfter?.Delta?.TotalSeconds ?? 0);
            response.Dispose();
            return new UpstreamCall(null, failure, key);
        }
        if (status >= 500 || status is 401 or 403)
        {
            // 401/403: this target refused the router's own credentials; another target may still serve.
            response.Dispose();
            return Failed(FailureKind.UpstreamError, 502, "upstream_unavailable", $"it failed (HTTP {status})");
        }
        return new UpstreamCall(response, null, key);
    }

    private static UpstreamCall Failed(FailureKind kind, int status, string code, string why) => new(null, Failure(kind, status, code, why), null);

    /// <summary>A failure whose message completes "The target ... ", e.g. "it did not answer in time".</summary>
    public static UpstreamFailure Failure(FailureKind kind, int status, string code, string message) =>
        new() { Kind = kind, Status = status, Code = code, Message = message };

    private static TimeSpan Positive(Google.Protobuf.WellKnownTypes.Duration? duration, TimeSpan fallback) =>
        duration?.ToTimeSpan() is { } value && value > TimeSpan.Zero ? value : fallback;

    [LoggerMessage(Level = LogLevel.Error, Message = "Target {Target} names upstream key variable {ApiKeyEnv}, which is not set")]
    private static partial void UpstreamKeyMissing(ILogger logger, string target, string apiKeyEnv);
}
