using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace GenAiRouter.Hosting;

/// <summary>
/// One line for a request that failed or was refused (4xx, 5xx, an exception), with its method, path (never its query)
/// and status. A success has its own, richer line from the service that served it (ingress: RequestCompleted), or is
/// routine (probes, event deliveries, internal gRPC calls), so it costs a timestamp and nothing else: no per-request
/// logging scope or diagnostic context.
/// </summary>
public sealed partial class RequestLogMiddleware(RequestDelegate next, ILogger<RequestLogMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext http)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            await next(http);
        }
        catch (Exception e)
        {
            Failed(logger, e, http.Request.Method, http.Request.Path.Value ?? "/", 500, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            throw;
        }
        var status = http.Response.StatusCode;
        if (status >= 400 && !ServiceDefaults.IsRoutine(http.Request.Path))
        {
            var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            if (status >= 500)
            {
                Failed(logger, null, http.Request.Method, http.Request.Path.Value ?? "/", status, elapsed);
            }
            else
            {
                Refused(logger, http.Request.Method, http.Request.Path.Value ?? "/", status, elapsed);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "{RequestMethod} {RequestPath} answered {StatusCode} in {Elapsed:0.0} ms")]
    private static partial void Failed(ILogger logger, Exception? exception, string requestMethod, string requestPath, int statusCode, double elapsed);

    [LoggerMessage(Level = LogLevel.Information, Message = "{RequestMethod} {RequestPath} answered {StatusCode} in {Elapsed:0.0} ms")]
    private static partial void Refused(ILogger logger, string requestMethod, string requestPath, int statusCode, double elapsed);
}
