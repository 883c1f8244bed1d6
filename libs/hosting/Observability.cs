using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace GenAiRouter.Hosting;

/// <summary>
/// Metrics and traces, wired once for every service with OpenTelemetry. Metrics: the router's own meters
/// (<c>GenAiRouter.*</c>), ASP.NET Core, HttpClient and the .NET runtime, scraped in the Prometheus format at
/// <c>/metrics</c> on the internal and health ports, and exported over OTLP when the standard
/// <c>OTEL_EXPORTER_OTLP_*</c> variables name an endpoint. Traces: only with such an endpoint (nothing to send them to
/// otherwise); a caller's <c>traceparent</c> is honoured and carried to the other services and upstreams.
/// <c>Router:Telemetry:TraceSampleRatio</c> sets the share of requests traced, <c>Router:Telemetry:Traces=false</c> exports
/// metrics only, <c>Router:Telemetry:Enabled=false</c> turns both off.
/// Every reader aggregates every measurement again, so there is one by default: the Prometheus scrape, or, once an OTLP
/// endpoint is set, the OTLP export (<c>Router:Telemetry:Prometheus=true</c> keeps the scrape as well, at about twice
/// the metrics' cost; BENCHMARKS.md).
/// </summary>
public static class Observability
{
    public const string MetricsPath = "/metrics";

    /// <summary>Every router meter and activity source is named under this prefix (<c>GenAiRouter.Ingress</c>, ...).</summary>
    public const string SourcePrefix = "GenAiRouter.";

    /// <summary>
    /// The share of requests traced when no caller decided: tracing every request costs about half again the router's
    /// CPU per request (BENCHMARKS.md), one in twenty stays within a few per cent.
    /// </summary>
    public const double DefaultTraceSampleRatio = 0.05;

    private static readonly string[] OtlpEndpointVariables = ["OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT"];

    // Per-request framework instruments no dashboard or alert of the router reads: each is a measurement per request
    // (two for the up-down counters) for every reader, so they are not collected. The request durations stay.
    private static readonly string[] Dropped =
    [
        "http.server.active_requests", "http.client.active_requests", "http.client.request.time_in_queue", "http.client.open_connections",
        "aspnetcore.routing.match_attempts",
    ];

    // Seconds: from a cache hit's milliseconds to a long agent turn's minutes.
    private static readonly double[] SecondsBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

    // Tokens: the GenAI semantic conventions' advice, powers of four.
    private static readonly double[] TokenBuckets = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216];

    public static WebApplicationBuilder AddObservability(this WebApplicationBuilder builder, string appId)
    {
        var configuration = builder.Configuration;
        if (!Enabled(configuration))
        {
            return builder;
        }
        var otlp = OtlpEndpointSet(configuration);
        var prometheus = PrometheusScrape(configuration);
        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(serviceName: $"genai-router-{appId}", serviceNamespace: "genai-router"))
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(SourcePrefix + "*", "System.Runtime")
                    .AddAspNetCoreInstrumentation()
                    .AddHttpClientInstrumentation()
                    .AddView(instrument => Dropped.Contains(instrument.Name) ? MetricStreamConfiguration.Drop : instrument.Unit switch
                    {
                        "s" => new ExplicitBucketHistogramConfiguration { Boundaries = SecondsBuckets },
                        "{token}" => new ExplicitBucketHistogramConfiguration { Boundaries = TokenBuckets },
                        _ => null,
                    });
                if (prometheus)
                {
                    metrics.AddPrometheusExporter();
                }
                if (otlp)
                {
                    metrics.AddOtlpExporter();
                }
            });
        if (otlp && configuration.GetValue("Router:Telemetry:Traces", true))
        {
            // A sampled share of the requests is traced (all of them at 1); a caller's sampled traceparent is always followed.
            var ratio = configuration.GetValue("Router:Telemetry:TraceSampleRatio", DefaultTraceSampleRatio);
            telemetry.WithTracing(tracing => tracing
                .SetSampler(new ParentBasedSampler(new TraceIdRatioBasedSampler(Math.Clamp(ratio, 0, 1))))
                // ASP.NET Core's and HttpClient's own activities (with their HTTP attributes in .NET 10): the
                // instrumentation libraries on top of them cost a fifth of a request's CPU even unsampled (BENCHMARKS.md).
                .AddSource(SourcePrefix + "*", "Microsoft.AspNetCore", "System.Net.Http")
                .AddOtlpExporter());
        }
        return builder;
    }

    public static WebApplication MapMetrics(this WebApplication app)
    {
        if (Enabled(app.Configuration) && PrometheusScrape(app.Configuration))
        {
            app.MapPrometheusScrapingEndpoint(MetricsPath).WithAccess(Access.Metrics);
        }
        return app;
    }

    /// <summary>The scrape at /metrics: on unless an OTLP endpoint takes its place, or as <c>Router:Telemetry:Prometheus</c> says.</summary>
    public static bool PrometheusScrape(IConfiguration configuration) =>
        configuration.GetValue("Router:Telemetry:Prometheus", !OtlpEndpointSet(configuration));

    private static bool OtlpEndpointSet(IConfiguration configuration) =>
        OtlpEndpointVariables.Any(name => !string.IsNullOrEmpty(configuration[name]));

    private static bool Enabled(IConfiguration configuration) =>
        !string.Equals(configuration["Router:Telemetry:Enabled"], "false", StringComparison.OrdinalIgnoreCase);
}
