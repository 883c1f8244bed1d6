using System.Diagnostics;
using System.Diagnostics.Metrics;
using BenchmarkDotNet.Attributes;
using GenAiRouter.Contracts.V1;
using GenAiRouter.Ingress.Doors.Responses;
using GenAiRouter.Ingress.Routing;
using GenAiRouter.Ingress.Telemetry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace GenAiRouter.Bench.Micro;

/// <summary>
/// What metrics and tracing add to one request on ingress: recording its metrics from its usage event, and the span
/// around its upstream call with the GenAI attributes, with the OpenTelemetry SDK listening as in production
/// (Prometheus reader; every span sampled) against the same work with nothing listening.
/// </summary>
[MemoryDiagnoser]
public class TelemetryBenchmarks
{
    private readonly Target _target = new() { Name = "coder", Model = "upstream-coder", Api = Protocol.Chat };
    private RouterMetrics _metrics = null!;
    private UsageEvent _usage = null!;
    private RequestRecord _record = null!;
    private ServiceProvider? _sdk;

    /// <summary>none: nothing listening; prometheus: the default; prometheus+otlp: with an OTLP endpoint configured.</summary>
    [Params("none", "prometheus", "prometheus+otlp")]
    public string Listening { get; set; } = "none";

    /// <summary>Metrics for code that constructs ingress parts by hand (no SDK listening unless one is started).</summary>
    public static RouterMetrics Metrics(IServiceProvider? services = null) =>
        new((services ?? new ServiceCollection().AddMetrics().BuildServiceProvider()).GetRequiredService<IMeterFactory>(),
            new ConfigurationBuilder().Build(), new TargetHealth(TimeProvider.System));

    [GlobalSetup]
    public void Setup()
    {
        var services = new ServiceCollection().AddMetrics();
        if (Listening != "none")
        {
            services.AddOpenTelemetry()
                .WithMetrics(m =>
                {
                    m.AddMeter(RouterMetrics.Name).AddPrometheusExporter();
                    if (Listening.EndsWith("otlp", StringComparison.Ordinal))
                    {
                        m.AddOtlpExporter(o => o.Endpoint = new Uri("http://127.0.0.1:9"));
                    }
                })
                .WithTracing(t => t.AddSource(RouterMetrics.Name).SetSampler(new AlwaysOnSampler()));
        }
        _sdk = services.BuildServiceProvider();
        _sdk.GetService<MeterProvider>();
        _sdk.GetService<TracerProvider>();
        _metrics = Metrics(_sdk);
        _record = new RequestRecord("req_1", Stopwatch.GetTimestamp(), new ResponsesDoor()) { Group = "big-coder", GroupFound = true, Stream = true, FirstByteMs = 40, UpstreamWaitMs = 38 };
        _record.Committed(_target);
        _record.FirstByteMs = 40;
        _usage = new UsageEvent
        {
            RequestId = "req_1", Project = "web", Group = "big-coder", Target = "coder", UpstreamModel = "upstream-coder", Bridged = true, Stream = true,
            Status = 200, LatencyMs = 900, TimeToFirstByteMs = 40, InputTokens = 1200, CachedInputTokens = 200, OutputTokens = 300, TextCost = 0.004,
        };
    }

    [GlobalCleanup]
    public void Cleanup() => _sdk?.Dispose();

    /// <summary>Everything telemetry does for one request: the upstream call's span, then its metrics.</summary>
    [Benchmark]
    public void OneRequest()
    {
        using (var call = RouterMetrics.StartUpstreamCall("big-coder", _target, Protocol.Responses))
        {
            call?.SetTag("gen_ai.usage.input_tokens", 1200L);
            call?.SetTag("gen_ai.usage.output_tokens", 300L);
        }
        _metrics.Completed(_usage, _record);
    }
}
