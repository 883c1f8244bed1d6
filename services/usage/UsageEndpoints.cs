using System.Data.Common;
using System.Text;
using GenAiRouter.Contracts.V1;
using GenAiRouter.Hosting;
using GenAiRouter.RouterConfig;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace GenAiRouter.Usage;

/// <summary>The usage service's HTTP surface: the <c>usage</c> topic subscription and the admin usage query.</summary>
public static partial class UsageEndpoints
{
    public static void MapUsage(this WebApplication app)
    {
        // Subscribed by a declared Dapr Subscription (retries from Resiliency, a dead-letter topic for DROP).
        app.UseCloudEvents();
        app.MapPost(Topics.Route(Topics.Usage), ReceiveAsync);
        app.MapGet("/usage", QueryAsync).WithAccess(Access.Admin);
    }

    /// <summary>
    /// Stores one event (as Dapr delivers) or a CloudEvents batch (as the standalone publisher sends a busy router's
    /// events); a redelivery is acknowledged without counting it again. A database that is away asks for a retry.
    /// </summary>
    private static async Task<IResult> ReceiveAsync(HttpRequest request, UsageStore store, UsageMetrics metrics, ILogger<UsageStore> logger)
    {
        var aborted = request.HttpContext.RequestAborted;
        List<UsageEvent> events;
        if (request.ContentType?.StartsWith(StandaloneEventPublisher.BatchContentType, StringComparison.OrdinalIgnoreCase) == true)
        {
            // A batch is read as it arrives, never held whole as text.
            events = await ParseBatchAsync(request.Body, logger, aborted);
        }
        else
        {
            events = Valid(await EventData.ReadAsync(request, UsageEvent.Parser)) is { } one ? [one] : [];
        }
        if (events.Count == 0)
        {
            metrics.Events("malformed", 1);
            // Malformed events cannot become valid by retrying; Dapr moves DROP answers to the dead-letter topic.
            return Results.Json(new { status = "DROP" });
        }
        try
        {
            var stored = await store.StoreAsync(events, request.HttpContext.RequestAborted);
            metrics.Events("stored", stored);
            if (stored < events.Count)
            {
                metrics.Events("redelivered", events.Count - stored);
                Redelivered(logger, events.Count - stored);
            }
        }
        catch (DbException e)
        {
            // The database is away: the events stay with the sender (Dapr pub/sub, or ingress's queue) for a retry.
            metrics.Events("retry", events.Count);
            DatabaseUnavailable(logger, events.Count, e.GetType().Name);
            return Results.Json(new { status = "RETRY" }, statusCode: 503);
        }
        return Results.Json(new { status = "SUCCESS" });
    }

    /// <returns>The event, or null when it is not a usage event with a request id.</returns>
    private static UsageEvent? Valid(UsageEvent? usage) => string.IsNullOrEmpty(usage?.RequestId) ? null : usage;

    /// <summary>The usage events in a CloudEvents batch; entries that are not usage events are logged and left out.</summary>
    private static async Task<List<UsageEvent>> ParseBatchAsync(Stream json, ILogger logger, CancellationToken cancellationToken)
    {
        var events = new List<UsageEvent>();
        try
        {
            using var batch = await System.Text.Json.JsonDocument.ParseAsync(json, cancellationToken: cancellationToken);
            foreach (var cloudEvent in batch.RootElement.EnumerateArray())
            {
                if (DataOf(cloudEvent) is { } usage)
                {
                    events.Add(usage);
                }
                else
                {
                    Malformed(logger);
                }
            }
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or InvalidOperationException)
        {
            Malformed(logger);
        }
        return events;
    }

    /// <summary>A batch entry's usage event: binary in <c>data_base64</c>, or protobuf JSON in <c>data</c>.</summary>
    private static UsageEvent? DataOf(System.Text.Json.JsonElement cloudEvent) =>
        cloudEvent.ValueKind != System.Text.Json.JsonValueKind.Object ? null
        : cloudEvent.TryGetProperty("data_base64", out var binary) && binary.ValueKind == System.Text.Json.JsonValueKind.String
            ? Valid(binary.TryGetBytesFromBase64(out var bytes) ? EventData.Read(bytes, EventData.ContentType, UsageEvent.Parser) : null)
        : cloudEvent.TryGetProperty("data", out var json)
            ? Valid(EventData.Read(Encoding.UTF8.GetBytes(json.GetRawText()), "application/json", UsageEvent.Parser))
        : null;

    /// <summary><c>GET /usage?project=&amp;user=&amp;env=&amp;group=&amp;target=&amp;key=&amp;since=7d&amp;format=json|csv</c>, admin only (the access control checks the credential).</summary>
    private static async Task<IResult> QueryAsync(HttpContext http, UsageStore store, TimeProvider time)
    {
        var q = http.Request.Query;
        var sinceText = q["since"].ToString();
        var since = string.IsNullOrEmpty(sinceText) ? TimeSpan.FromDays(7) : DurationText.TryParse(sinceText, out var parsed) ? parsed : (TimeSpan?)null;
        if (since is null)
        {
            return Results.Json(new { error = new { message = $"'since' must be a duration like 24h or 7d, got '{sinceText}'.", type = "invalid_request_error", code = "invalid_since", param = "since" } }, statusCode: 400);
        }
        var now = time.GetUtcNow();
        var filter = new UsageFilter(Value(q["project"]), Value(q["user"]), Value(q["env"]), Value(q["group"]), Value(q["target"]), now - since.Value, now.AddSeconds(1)) { KeyId = Value(q["key"]) };
        var (days, total) = await store.QueryAsync(filter, http.RequestAborted);
        if (q["format"] == "csv")
        {
            var csv = new StringBuilder("day,requests,input_tokens,cached_input_tokens,cache_write_tokens,output_tokens,reasoning_tokens,images,cost_usd,cache_hits,errors\n");
            foreach (var d in days.Append(total))
            {
                csv.Append(d.Day).Append(',').Append(d.Requests).Append(',').Append(d.InputTokens).Append(',').Append(d.CachedInputTokens).Append(',').Append(d.CacheWriteTokens).Append(',')
                   .Append(d.OutputTokens).Append(',').Append(d.ReasoningTokens).Append(',').Append(d.Images).Append(',').Append(UsageStore.Format(d.Cost))
                   .Append(',').Append(d.CacheHits).Append(',').Append(d.Errors).Append('\n');
            }
            return Results.Text(csv.ToString(), "text/csv");
        }
        return Results.Json(new { days, total }, new System.Text.Json.JsonSerializerOptions { PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.SnakeCaseLower });
    }

    private static string? Value(Microsoft.Extensions.Primitives.StringValues value) => string.IsNullOrEmpty(value) ? null : value.ToString();

    [LoggerMessage(Level = LogLevel.Warning, Message = "{EventCount} usage events could not be stored ({ErrorType}); asked the sender to retry")]
    private static partial void DatabaseUnavailable(ILogger logger, int eventCount, string errorType);

    [LoggerMessage(Level = LogLevel.Information, Message = "{EventCount} usage events were delivered again; counted once")]
    private static partial void Redelivered(ILogger logger, int eventCount);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A usage event in a batch was malformed and was left out")]
    private static partial void Malformed(ILogger logger);
}

/// <summary>Ready while the usage database answers.</summary>
public sealed class UsageStoreCheck(UsageStore store) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await store.PingAsync(cancellationToken);
            return HealthCheckResult.Healthy();
        }
        catch (DbException e)
        {
            return HealthCheckResult.Unhealthy($"usage database: {e.GetType().Name}");
        }
    }
}
