namespace GenAiRouter.Bench.Load;

/// <summary>
/// Which of the features a deployment turns on the router runs with: metrics and traces exported over OTLP (traces
/// sampled as by default), and a caller token with rate limits, a concurrency limit and a budget. The bench measures
/// with everything on, and the short request once per set below so that each feature's cost is a line of its own.
/// </summary>
public sealed record FeatureSet(string Name, bool Metrics, bool Traces, bool Quotas)
{
    public static readonly FeatureSet Everything = new("everything on", Metrics: true, Traces: true, Quotas: true);

    /// <summary>
    /// Everything, then one feature fewer at a time, then nothing, then everything again: the differences are each
    /// feature's cost, and the two "everything on" lines show how far two runs of one configuration differ.
    /// </summary>
    public static readonly IReadOnlyList<FeatureSet> Lines =
    [
        Everything,
        new("without traces", Metrics: true, Traces: false, Quotas: true),
        new("without metrics and traces", Metrics: false, Traces: false, Quotas: true),
        new("without quotas", Metrics: true, Traces: true, Quotas: false),
        new("everything off", Metrics: false, Traces: false, Quotas: false),
        Everything with { Name = "everything on, again" },
    ];

    /// <summary>The services' settings for this set, exporting to <paramref name="collector"/>.</summary>
    public IReadOnlyDictionary<string, string> Environment(Uri collector) =>
        !Metrics && !Traces
            ? new Dictionary<string, string> { ["Router__Telemetry__Enabled"] = "false" }
            : new Dictionary<string, string>
            {
                ["OTEL_EXPORTER_OTLP_ENDPOINT"] = collector.ToString().TrimEnd('/'),
                ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
                ["Router__Telemetry__Traces"] = Traces ? "true" : "false",
            };
}
