using System.Globalization;
using System.Text;

namespace GenAiRouter.Bench.Load;

/// <param name="Nginx">The same load through the nginx hop (the floor), when nginx is installed.</param>
public sealed record RatePoint(double Rate, Sample Direct, Sample Router, Sample? Nginx);

/// <param name="RouterCpuMsPer1000">CPU milliseconds per 1,000 requests, per service process.</param>
/// <param name="Nginx">Saturation through the nginx hop, when nginx is installed.</param>
public sealed record ScenarioResult(Scenario Scenario, Sample Direct, Sample Router, IReadOnlyDictionary<string, double> RouterCpuMsPer1000, long RouterRssBytes, IReadOnlyList<RatePoint> Rates, Sample? Nginx)
{
    public double TotalCpuMsPer1000 => RouterCpuMsPer1000.Values.Sum();
}

/// <summary>The run as Markdown tables (with the targets marked met or missed) and as latency-vs-load plots.</summary>
public static class Report
{
    // The targets are judged at a load the machine sustains comfortably: 30% of the router's saturation throughput.
    private const int JudgedRate = 1;

    public static string Markdown(IReadOnlyList<ScenarioResult> results, IReadOnlyList<(TimeSpan At, long Rss)> memory, int cores, bool quick)
    {
        var md = new StringBuilder();
        md.AppendLine(Inv($"Run of {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC on {cores} cores{(quick ? " (quick mode: short phases, numbers are rough)" : "")}. Load generator, upstream and router share the machine."));
        md.AppendLine();
        md.AppendLine("### Throughput at saturation (16 concurrent callers)");
        md.AppendLine();
        md.AppendLine("| scenario | direct req/s | nginx hop req/s | router req/s | router / direct | router / nginx | router CPU per 1,000 req | router RSS (5 processes) |");
        md.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var r in results)
        {
            var nginx = r.Nginx is { } floor ? Inv($"{floor.Throughput:N0}") : "";
            var versusNginx = r.Nginx is { } n ? Inv($"{r.Router.Throughput / n.Throughput:P0}") : "";
            md.AppendLine(Inv($"| {r.Scenario.Name}: {r.Scenario.Description} | {r.Direct.Throughput:N0} | {nginx} | {r.Router.Throughput:N0} | {r.Router.Throughput / r.Direct.Throughput:P0} | {versusNginx} | {r.TotalCpuMsPer1000:N0} ms | {r.RouterRssBytes / 1048576.0:N0} MiB |"));
        }
        md.AppendLine();
        md.AppendLine("### Where the router's CPU goes (ms per 1,000 requests at saturation, by service)");
        md.AppendLine();
        var services = results.SelectMany(r => r.RouterCpuMsPer1000.Keys).Distinct().Order().ToList();
        md.AppendLine("| scenario | " + string.Join(" | ", services.Select(s => s.Replace("GenAiRouter.", "", StringComparison.Ordinal))) + " |");
        md.AppendLine("|---|" + string.Concat(services.Select(_ => "---:|")));
        foreach (var r in results)
        {
            md.AppendLine($"| {r.Scenario.Name} | " + string.Join(" | ", services.Select(s => Inv($"{r.RouterCpuMsPer1000.GetValueOrDefault(s):N0}"))) + " |");
        }
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
        md.AppendLine(Target(results, Scenarios.ShortRequest, "router overhead at p99, short request", r => r.Rates[JudgedRate].Router.P(0.99) - r.Rates[JudgedRate].Direct.P(0.99), "<", 1.0, "ms"));
        md.AppendLine(Target(results, "codex", "router overhead at p99, 40 KB Codex request", r => r.Rates[JudgedRate].Router.P(0.99) - r.Rates[JudgedRate].Direct.P(0.99), "<", 2.0, "ms"));
        md.AppendLine(Target(results, "stream", "added time to first byte at p50, stream", r => r.Rates[JudgedRate].Router.FirstByteP(0.5) - r.Rates[JudgedRate].Direct.FirstByteP(0.5), "<", 0.5, "ms"));
        md.AppendLine(Target(results, Scenarios.ShortRequest, "router throughput / direct throughput, short request", r => r.Router.Throughput / r.Direct.Throughput * 100, "≥", 80, "%"));
        if (results.Any(r => r.Nginx is not null))
        {
            foreach (var name in new[] { Scenarios.ShortRequest, "codex", "chat", "messages" })
            {
                md.AppendLine(Target(results, name, $"router throughput / nginx hop throughput, {name}", r => r.Router.Throughput / r.Nginx!.Throughput * 100, "≥", 60, "%"));
            }
            md.AppendLine(Target(results, Scenarios.ShortRequest, "router overhead / nginx hop overhead at p50, short request", r => FloorMultiple(r.Rates[JudgedRate]) ?? double.NaN, "≤", 4, "×"));
        }
        if (memory.Count > 2)
        {
            var warm = memory[Math.Min(memory.Count - 1, memory.Count / 5)].Rss;
            var growth = Math.Abs(memory[^1].Rss - warm) * 100.0 / warm;
            md.AppendLine(Inv($"- RSS flat within 10% after warm-up: {growth:0.0}% — **{(growth <= 10 ? "met" : "missed")}**"));
        }
        return md.ToString();
    }

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
        var met = comparison switch { "<" => value < limit, "≤" => value <= limit, _ => value >= limit };
        return Inv($"- {what}: {value:0.000} {unit} (target {comparison} {limit} {unit}) — **{(met ? "met" : "missed")}**");
    }

    private static string Inv(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    /// <summary>A change in percent with its sign; one that rounds to nothing is 0.0, not -0.0.</summary>
    private static string Signed(double percent) =>
        Math.Round(percent, 1) is var rounded && rounded == 0 ? "0.0" : rounded.ToString("+0.0;-0.0", CultureInfo.InvariantCulture);
}
