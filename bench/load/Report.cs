using System.Globalization;
using System.Text;

namespace GenAiRouter.Bench.Load;

/// <param name="Nginx">The same load through the nginx hop (the floor), when nginx is installed.</param>
public sealed record RatePoint(double Rate, Sample Direct, Sample Router, Sample? Nginx);

/// <param name="RouterUsage">What each service process used during the router's saturation phase (memory as at its end).</param>
/// <param name="Nginx">Saturation through the nginx hop, when nginx is installed.</param>
/// <param name="Alone">The same request from one caller, back to back.</param>
public sealed record ScenarioResult(Scenario Scenario, Sample Direct, Sample Router, IReadOnlyDictionary<string, ProcessUsage> RouterUsage, IReadOnlyList<RatePoint> Rates, Sample? Nginx, OneCaller Alone)
{
    /// <summary>CPU microseconds per request of one service (or of all five), at saturation.</summary>
    public double CpuMicroseconds(string? service = null) => Report.CpuMicroseconds(RouterUsage, Router, service);

    public ProcessUsage Memory => RouterUsage.Values.Aggregate(ProcessUsage.None, (sum, each) => sum + each);
}

/// <summary>One caller in a closed loop: the latency a lone agent sees, and how often the router's threads slept or were put off a core for it.</summary>
public sealed record OneCaller(Sample Direct, Sample? Nginx, Sample Router, IReadOnlyDictionary<string, ProcessUsage> RouterUsage)
{
    public double SwitchesPerRequest(string? service = null) =>
        RouterUsage.Where(u => service is null || u.Key == service).Sum(u => u.Value.TotalContextSwitches) / (double)Math.Max(1, Router.Count);
}

/// <summary>The short request at saturation through a router running <paramref name="Set"/>.</summary>
public sealed record FeatureResult(FeatureSet Set, Sample Router, IReadOnlyDictionary<string, ProcessUsage> Usage)
{
    public double CpuMicroseconds(string? service = null) => Report.CpuMicroseconds(Usage, Router, service);
}

/// <summary>The run as Markdown tables (with the targets marked met or missed) and as latency-vs-load plots.</summary>
public static class Report
{
    private const string Ingress = "GenAiRouter.Ingress";
    private const string UsageService = "GenAiRouter.Usage";
    private const string Bridge = "GenAiRouter.Bridge";

    public static double CpuMicroseconds(IReadOnlyDictionary<string, ProcessUsage> usage, Sample sample, string? service) =>
        usage.Where(u => service is null || u.Key == service).Sum(u => u.Value.Cpu.TotalMilliseconds) * 1000 / Math.Max(1, sample.Count);

    public static string Markdown(IReadOnlyList<ScenarioResult> results, IReadOnlyList<FeatureResult> features, IReadOnlyList<(TimeSpan At, long Rss)> memory, int cores, bool quick)
    {
        var md = new StringBuilder();
        md.AppendLine(Inv($"Run of {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC on {cores} cores{(quick ? " (quick mode: short phases, numbers are rough)" : "")}. Load generator, upstream, nginx and router share the machine. The router runs with everything on: metrics and traces exported over OTLP to a collector on loopback, a caller token with rate limits, a concurrency limit and a budget."));
        md.AppendLine();
        md.AppendLine("### Throughput at saturation (16 concurrent callers)");
        md.AppendLine();
        md.AppendLine("| scenario | direct req/s | nginx hop req/s | router req/s | router / direct | router / nginx | added p50: nginx / router (ms) | router ÷ nginx | router CPU per request | RSS / PSS (5 processes) |");
        md.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var r in results)
        {
            var nginx = r.Nginx is { } floor ? Inv($"{floor.Throughput:N0}") : "";
            var versusNginx = r.Nginx is { } n ? Inv($"{r.Router.Throughput / n.Throughput:P0}") : "";
            var added = r.Nginx is { } hop ? Inv($"{hop.P(0.5) - r.Direct.P(0.5):0.000} / {r.Router.P(0.5) - r.Direct.P(0.5):0.000}") : "";
            var multiple = SaturatedMultiple(r) is { } m ? Inv($"{m:0.0}×") : "";
            md.AppendLine(Inv($"| {r.Scenario.Name}: {r.Scenario.Description} | {r.Direct.Throughput:N0} | {nginx} | {r.Router.Throughput:N0} | {r.Router.Throughput / r.Direct.Throughput:P0} | {versusNginx} | {added} | {multiple} | {r.CpuMicroseconds():N0} µs | {r.Memory.RssBytes / 1048576.0:N0} / {r.Memory.PssBytes / 1048576.0:N0} MiB |"));
        }
        md.AppendLine();
        md.AppendLine("RSS counts the pages the five processes share (the .NET runtime and framework, mapped from the same files) once per process; PSS splits them between the processes.");
        md.AppendLine();
        md.AppendLine("### Where the router's CPU goes (µs per request at saturation, by service)");
        md.AppendLine();
        var services = results.SelectMany(r => r.RouterUsage.Keys).Distinct().Order().ToList();
        md.AppendLine("| scenario | " + string.Join(" | ", services.Select(s => s.Replace("GenAiRouter.", "", StringComparison.Ordinal))) + " |");
        md.AppendLine("|---|" + string.Concat(services.Select(_ => "---:|")));
        foreach (var r in results)
        {
            md.AppendLine($"| {r.Scenario.Name} | " + string.Join(" | ", services.Select(s => Inv($"{r.CpuMicroseconds(s):N0}"))) + " |");
        }
        md.AppendLine();
        md.AppendLine("### One caller (closed loop, back to back; ms)");
        md.AppendLine();
        md.AppendLine("| scenario | direct p50 / p99 | nginx hop added p50 | router added p50 | router p99 | router p99 ÷ direct p99 | first byte added p50 | context switches per request: ingress / bridge / usage / all five |");
        md.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var r in results)
        {
            var a = r.Alone;
            var nginx = a.Nginx is { } n ? Inv($"{n.P(0.5) - a.Direct.P(0.5):0.000}") : "";
            var ttfb = r.Scenario.Streamed ? Inv($"{a.Router.FirstByteP(0.5) - a.Direct.FirstByteP(0.5):0.000}") : "";
            md.AppendLine(Inv($"| {r.Scenario.Name} | {a.Direct.P(0.5):0.000} / {a.Direct.P(0.99):0.00} | {nginx} | {a.Router.P(0.5) - a.Direct.P(0.5):0.000} | {a.Router.P(0.99):0.00} | {a.Router.P(0.99) / a.Direct.P(0.99):0.0}× | {ttfb} | {a.SwitchesPerRequest(Ingress):0.0} / {a.SwitchesPerRequest(Bridge):0.0} / {a.SwitchesPerRequest(UsageService):0.0} / {a.SwitchesPerRequest():0.0} |"));
        }
        md.AppendLine();
        md.AppendLine("Context switches are counted for the threads alive at the end of the phase (Linux keeps the count per thread): a thread-pool thread that retired during it is not counted.");
        md.AppendLine();
        md.AppendLine("### Latency at fixed offered load (open loop; ms; overhead = router − direct at the same load)");
        md.AppendLine();
        md.AppendLine("| scenario | offered req/s | direct p50 / p90 / p99 | router p50 / p90 / p99 | overhead p50 | overhead p99 | nginx hop overhead p50 / p99 | router overhead ÷ nginx's, p50 | first byte overhead p50 | failures (direct / router) |");
        md.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var r in results)
        {
            foreach (var p in r.Rates)
            {
                var ttfb = r.Scenario.Streamed ? Inv($"{p.Router.FirstByteP(0.5) - p.Direct.FirstByteP(0.5):0.000}") : "";
                var nginx = p.Nginx is { } n ? Inv($"{n.P(0.5) - p.Direct.P(0.5):0.000} / {n.P(0.99) - p.Direct.P(0.99):0.000}") : "";
                var multiple = FloorMultiple(p) is { } m ? Inv($"{m:0.0}×") : "";
                md.AppendLine(Inv($"| {r.Scenario.Name} | {p.Rate:N0} | {p.Direct.P(0.5):0.00} / {p.Direct.P(0.9):0.00} / {p.Direct.P(0.99):0.00} | {p.Router.P(0.5):0.00} / {p.Router.P(0.9):0.00} / {p.Router.P(0.99):0.00} | {p.Router.P(0.5) - p.Direct.P(0.5):0.000} | {p.Router.P(0.99) - p.Direct.P(0.99):0.000} | {nginx} | {multiple} | {ttfb} | {p.Direct.Failures} / {p.Router.Failures} |"));
            }
        }
        md.AppendLine();
        if (features.Count > 0)
        {
            var on = features[0];
            md.AppendLine("### What each feature costs (short request, 16 callers, a router started afresh per line)");
            md.AppendLine();
            md.AppendLine("| features | router req/s | ingress µs per request | usage µs per request | all five µs per request | vs everything on |");
            md.AppendLine("|---|---:|---:|---:|---:|---:|");
            foreach (var f in features)
            {
                md.AppendLine(Inv($"| {f.Set.Name} | {f.Router.Throughput:N0} | {f.CpuMicroseconds(Ingress):N0} | {f.CpuMicroseconds(UsageService):N0} | {f.CpuMicroseconds():N0} | {Signed((f.CpuMicroseconds() - on.CpuMicroseconds()) * 100 / on.CpuMicroseconds())} % |"));
            }
            md.AppendLine();
            md.AppendLine("A feature's cost is the difference between the line with it and the line without it. The two \"everything on\" lines are the same configuration: how far they differ is how far a difference between lines is noise.");
            md.AppendLine();
        }
        if (memory.Count > 2)
        {
            var warm = memory[Math.Min(memory.Count - 1, memory.Count / 5)];
            var last = memory[^1];
            md.AppendLine(Inv($"### Memory over a sustained run ({last.At.TotalMinutes:0.#} min of the short request at half the saturation rate)"));
            md.AppendLine();
            md.AppendLine(Inv($"Router RSS after warm-up ({warm.At.TotalSeconds:0} s): {warm.Rss / 1048576.0:N0} MiB; at the end: {last.Rss / 1048576.0:N0} MiB ({Signed((last.Rss - warm.Rss) * 100.0 / warm.Rss)}%). Samples: {string.Join(", ", memory.Select(m => Inv($"{m.Rss / 1048576.0:N0}")))} MiB."));
            md.AppendLine();
        }
        md.AppendLine("### Targets");
        md.AppendLine();
        md.AppendLine(Target(results, Scenarios.ShortRequest, "added latency at p50, one caller, short request", r => r.Alone.Router.P(0.5) - r.Alone.Direct.P(0.5), "≤", 0.1, "ms"));
        md.AppendLine(Target(results, Scenarios.ShortRequest, "added latency at p50, 16 callers, short request, as a multiple of nginx's", r => SaturatedMultiple(r) ?? double.NaN, "≤", 4, "×"));
        foreach (var name in new[] { Scenarios.ShortRequest, "codex" })
        {
            md.AppendLine(Target(results, name, $"p99 for one caller as a multiple of direct's, {name}", r => r.Alone.Router.P(0.99) / r.Alone.Direct.P(0.99), "≤", 2, "×"));
        }
        foreach (var name in new[] { Scenarios.ShortRequest, "codex", "chat", "messages" })
        {
            md.AppendLine(Target(results, name, $"throughput at 16 callers as a share of nginx's, {name}", r => r.Nginx is { } n ? r.Router.Throughput / n.Throughput * 100 : double.NaN, "≥", 60, "%"));
        }
        md.AppendLine(Target(results, Scenarios.ShortRequest, "ingress CPU per short request", r => r.CpuMicroseconds(Ingress), "≤", 120, "µs"));
        md.AppendLine(Target(results, Scenarios.ShortRequest, "usage service CPU per event", r => r.CpuMicroseconds(UsageService), "≤", 20, "µs"));
        md.AppendLine(Target(results, "stream", "added time to first byte at p50, one caller, stream", r => r.Alone.Router.FirstByteP(0.5) - r.Alone.Direct.FirstByteP(0.5), "≤", 0.1, "ms"));
        md.AppendLine(Target(results, Scenarios.ShortRequest, "resident memory of the five processes at saturation (RSS)", r => r.Memory.RssBytes / 1048576.0, "≤", 250, "MiB"));
        if (memory.Count > 2)
        {
            var warm = memory[Math.Min(memory.Count - 1, memory.Count / 5)].Rss;
            var growth = Math.Abs(memory[^1].Rss - warm) * 100.0 / warm;
            md.AppendLine(Inv($"- RSS flat within 10% after warm-up: {growth:0.0}% — **{(growth <= 10 ? "met" : "missed")}**"));
        }
        return md.ToString();
    }

    /// <summary>The router's added latency at p50 under 16 callers, as a multiple of what the nginx hop adds.</summary>
    private static double? SaturatedMultiple(ScenarioResult r) =>
        r.Nginx is { } n && n.P(0.5) - r.Direct.P(0.5) is > 0 and var floor ? (r.Router.P(0.5) - r.Direct.P(0.5)) / floor : null;

    /// <summary>The router's added latency at p50 as a multiple of what the nginx hop adds at the same load.</summary>
    private static double? FloorMultiple(RatePoint p) =>
        p.Nginx is { } n && n.P(0.5) - p.Direct.P(0.5) is > 0 and var floor ? (p.Router.P(0.5) - p.Direct.P(0.5)) / floor : null;

    public static void Plot(ScenarioResult result, string path)
    {
        var plot = new ScottPlot.Plot();
        var rates = result.Rates.Select(p => p.Rate).ToArray();
        void Line(string label, Func<RatePoint, double> value, ScottPlot.Color color, bool dashed)
        {
            var line = plot.Add.Scatter(rates, result.Rates.Select(value).ToArray(), color);
            line.LegendText = label;
            line.LineWidth = 2;
            if (dashed)
            {
                line.LinePattern = ScottPlot.LinePattern.Dashed;
            }
        }
        Line("direct p50", p => p.Direct.P(0.5), ScottPlot.Colors.Gray, dashed: false);
        Line("router p50", p => p.Router.P(0.5), ScottPlot.Colors.Blue, dashed: false);
        Line("direct p99", p => p.Direct.P(0.99), ScottPlot.Colors.Gray, dashed: true);
        Line("router p99", p => p.Router.P(0.99), ScottPlot.Colors.Blue, dashed: true);
        plot.Title($"{result.Scenario.Name}: latency vs offered load");
        plot.XLabel("offered load (requests/s)");
        plot.YLabel("latency (ms)");
        plot.ShowLegend(ScottPlot.Alignment.UpperLeft);
        plot.SavePng(path, 900, 560);
    }

    private static string Target(IReadOnlyList<ScenarioResult> results, string scenario, string what, Func<ScenarioResult, double> measure, string comparison, double limit, string unit)
    {
        if (results.SingleOrDefault(r => r.Scenario.Name == scenario) is not { } result)
        {
            return $"- {what}: not measured in this run";
        }
        var value = measure(result);
        if (double.IsNaN(value))
        {
            return $"- {what}: not measured in this run";
        }
        var met = comparison switch { "<" => value < limit, "≤" => value <= limit, _ => value >= limit };
        return Inv($"- {what}: {value:0.000} {unit} (target {comparison} {limit} {unit}) — **{(met ? "met" : "missed")}**");
    }

    private static string Inv(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    /// <summary>A change in percent with its sign; one that rounds to nothing is 0.0, not -0.0.</summary>
    private static string Signed(double percent) =>
        Math.Round(percent, 1) is var rounded && rounded == 0 ? "0.0" : rounded.ToString("+0.0;-0.0", CultureInfo.InvariantCulture);
}
