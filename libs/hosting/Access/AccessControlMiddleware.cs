using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace GenAiRouter.Hosting;

/// <summary>What a service answers for a route that is not served on its public listener (ingress: its door's 404).</summary>
public sealed class AccessControlOptions
{
    public RequestDelegate? PublicNotFound { get; set; }
}

/// <summary>
/// Enforces each endpoint's <see cref="Access"/> before it runs, for HTTP and gRPC alike. Fails closed: an endpoint
/// (or a path no endpoint serves) that says nothing needs the internal credential; the public listener serves public
/// endpoints only; the health listener serves probes only.
/// </summary>
internal sealed partial class AccessControlMiddleware(
    RequestDelegate next,
    InternalCredential credential,
    Microsoft.Extensions.Options.IOptions<AccessControlOptions> options,
    ILogger<AccessControlMiddleware> logger)
{
    public Task InvokeAsync(HttpContext http)
    {
        var access = http.GetEndpoint()?.Metadata.GetMetadata<RouterAccessAttribute>()?.Access ?? Access.Internal;
        if (access == Access.Probe)
        {
            return next(http);
        }
        var listener = Listeners.Of(http);
        if (access == Access.Metrics)
        {
            // What a scrape shows (group, target and project names, traffic) is the operator's, not the callers'.
            return listener == Listener.Public ? options.Value.PublicNotFound?.Invoke(http) ?? NotFound(http) : next(http);
        }
        switch (listener)
        {
            case Listener.Public:
                return access == Access.Public ? next(http) : options.Value.PublicNotFound?.Invoke(http) ?? NotFound(http);
            case Listener.Health:
                return NotFound(http);
        }
        if (access == Access.Admin)
        {
            return AdminAsync(http);
        }
        if (!credential.Verify(http.Request.Headers[credential.InboundHeader]))
        {
            InternalRefused(logger, http.Request.Path, http.Connection.RemoteIpAddress?.ToString() ?? "");
            return Refuse(http, StatusCodes.Status401Unauthorized, "internal_credential_required",
                "This endpoint serves only the router's own services: the internal credential is missing or wrong.");
        }
        // The doors are served on the public listener only.
        return access == Access.Public ? NotFound(http) : next(http);
    }

    private Task AdminAsync(HttpContext http)
    {
        if (http.RequestServices.GetService<AdminCredential>() is not { Enabled: true } admin)
        {
            var keyEnv = http.RequestServices.GetService<AdminCredential>()?.KeyEnv;
            return Refuse(http, StatusCodes.Status403Forbidden, "admin_disabled",
                keyEnv is null ? "Admin calls are not served here." : $"Admin calls are disabled: set {keyEnv} for this service.");
        }
        if (admin.Verify(http.Request.Headers[AdminCredential.Header]))
        {
            return next(http);
        }
        AdminRefused(logger, http.Request.Path, http.Connection.RemoteIpAddress?.ToString() ?? "");
        return Refuse(http, StatusCodes.Status401Unauthorized, "admin_required",
            $"This call needs the admin credential ({admin.KeyEnv}) in {AdminCredential.Header}.");
    }

    private static Task NotFound(HttpContext http) =>
        Refuse(http, StatusCodes.Status404NotFound, "not_found", $"Nothing is served at {http.Request.Path} on this port.");

    /// <summary>gRPC callers get a trailers-only gRPC status; everyone else a JSON error.</summary>
    private static Task Refuse(HttpContext http, int status, string code, string message)
    {
        if (http.Request.ContentType?.StartsWith("application/grpc", StringComparison.Ordinal) == true)
        {
            http.Response.StatusCode = StatusCodes.Status200OK;
            http.Response.ContentType = "application/grpc";
            http.Response.Headers["grpc-status"] = status switch
            {
                StatusCodes.Status401Unauthorized => "16",
                StatusCodes.Status403Forbidden => "7",
                _ => "12",
            };
            http.Response.Headers["grpc-message"] = Uri.EscapeDataString(message);
            return Task.CompletedTask;
        }
        http.Response.StatusCode = status;
        http.Response.ContentType = "application/json";
        return http.Response.Body.WriteAsync(JsonSerializer.SerializeToUtf8Bytes(new ErrorBody(new ErrorDetail(message, status == 404 ? "invalid_request_error" : "authentication_error", code)), AccessJson.Relaxed.ErrorBody)).AsTask();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused an internal call to {Path} from {RemoteAddress}: no valid internal credential")]
    private static partial void InternalRefused(ILogger logger, string path, string remoteAddress);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused an admin call to {Path} from {RemoteAddress}: no valid admin credential")]
    private static partial void AdminRefused(ILogger logger, string path, string remoteAddress);
}

internal sealed record ErrorBody(ErrorDetail Error);

internal sealed record ErrorDetail(string Message, string Type, string Code);

[System.Text.Json.Serialization.JsonSourceGenerationOptions(PropertyNamingPolicy = System.Text.Json.Serialization.JsonKnownNamingPolicy.SnakeCaseLower)]
[System.Text.Json.Serialization.JsonSerializable(typeof(ErrorBody))]
internal sealed partial class AccessJson : System.Text.Json.Serialization.JsonSerializerContext
{
    /// <summary>API JSON, never HTML: apostrophes in messages stay readable.</summary>
    public static AccessJson Relaxed { get; } = new(new JsonSerializerOptions
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });
}
