using System.Globalization;
using System.Text;
using GenAiRouter.Bench.Load;

// ./genai-router bench [--quick] [--scenario NAME|features] [--soak-minutes N] [--out DIR] [--router-env NAME=VALUE ...]
// The same load, in one run, sent straight to a fast loopback upstream and through the router in front of it.
// --router-env sets a variable for the router's services only (a runtime or GC setting under test).
const string Usage = "usage: ./genai-router bench [--quick] [--scenario NAME|features] [--soak-minutes N] [--out DIR] [--router-env NAME=VALUE ...]";
const string FeaturesOnly = "features";
if (args.Contains("--help") || args.Contains("-h"))
{
    Console.WriteLine(Usage);
    return 0;
}
string[] valued = ["--root", "--scenario", "--soak-minutes", "--out", "--router-env"];
var unknown = args.Where((a, i) => a.StartsWith('-') && a != "--quick" && !valued.Contains(a) && !(i > 0 && valued.Contains(args[i - 1]))).ToList();
if (unknown.Count > 0)
{
    Console.Error.WriteLine($"bench: unknown option {unknown[0]}\n{Usage}");
    return 2;
}
var root = Arg("--root") ?? Directory.GetCurrentDirectory();
var quick = args.Contains("--quick");
var soak = TimeSpan.FromMinutes(double.Parse(Arg("--soak-minutes") ?? (quick ? "0.5" : "5"), CultureInfo.InvariantCulture));
var output = Arg("--out") ?? Path.Combine(root, "bench", "results");
var phase = quick ? TimeSpan.FromSeconds(2) : TimeSpan.FromSeconds(8);
var routerEnvironment = args.Select((a, i) => (a, i)).Where(p => p.a == "--router-env" && p.i + 1 < args.Length).Select(p => args[p.i + 1].Split('=', 2)).ToList();
if (routerEnvironment.Any(pair => pair.Length != 2 || pair[0].Length == 0))
{
    Console.Error.WriteLine($"bench: --router-env takes NAME=VALUE\n{Usage}");
    return 2;
}
Dictionary<string, string> With(IReadOnlyDictionary<string, string> features) =>
    features.Concat(routerEnvironment.Select(p => KeyValuePair.Create(p[0], p[1]))).GroupBy(p => p.Key).ToDictionary(g => g.Key, g => g.Last().Value);
Directory.CreateDirectory(output);

await using var upstream = await FastUpstream.StartAsync();
await using var collector = await OtlpSink.StartAsync();
await using var router = await RouterUnderTest.StartAsync(root, upstream.BaseUrl, With(FeatureSet.Everything.Environment(collector.Endpoint)));
var (nginx, nginxMissing) = await NginxHop.StartAsync(upstream.BaseUrl);
await using var floorHop = nginx;
if (nginxMissing is not null)
{
    Console.Error.WriteLine($"bench: the nginx column is left out: {nginxMissing}");
}
var token = await router.IssueTokenAsync(limits: true);
using var load = new LoadGenerator();
var only = Arg("--scenario");
var all = Scenarios.All(root, upstream.BaseUrl, router.BaseUrl, token);
if (only is not null && only != FeaturesOnly && all.All(s => s.Name != only))
{
    Console.Error.WriteLine($"bench: no scenario {only}; there are {string.Join(", ", all.Select(s => s.Name))} and {FeaturesOnly}");
    return 2;
}
var scenarios = all.Where(s => only is null || s.Name == only || s.Name == Scenarios.CacheHit).ToList();
// The cache-hit scenario needs its entry in place before it is measured.
await load.AtRateAsync(scenarios.Single(s => s.Name == Scenarios.CacheHit).Router, 1, TimeSpan.FromSeconds(1));

var results = new List<ScenarioResult>();
foreach (var scenario in scenarios.Where(s => only is null || s.Name == only))
{
    Console.Error.WriteLine($"bench: {scenario.Name}");
    var viaNginx = nginx?.Through(scenario.Direct);
    await load.SaturateAsync(scenario.Direct, 16, phase / 2);
    if (viaNginx is not null)
    {
        await load.SaturateAsync(viaNginx, 16, phase / 2);
    }
    await load.SaturateAsync(scenario.Router, 16, phase / 2);
    var direct = await load.SaturateAsync(scenario.Direct, 16, phase);
    var floor = viaNginx is null ? null : await load.SaturateAsync(viaNginx, 16, phase);
    var (routed, used) = await MeasuredAsync(() => load.SaturateAsync(scenario.Router, 16, phase));
    var directAlone = await load.SaturateAsync(scenario.Direct, 1, phase);
    var nginxAlone = viaNginx is null ? null : await load.SaturateAsync(viaNginx, 1, phase);
    var (routedAlone, usedAlone) = await MeasuredAsync(() => load.SaturateAsync(scenario.Router, 1, phase));
    var alone = new OneCaller(directAlone, nginxAlone, routedAlone, usedAlone);
    var rates = new List<RatePoint>();
    foreach (var fraction in new[] { 0.1, 0.3, 0.5, 0.7 })
    {
        var rate = Math.Max(10, Math.Round(routed.Throughput * fraction / 10) * 10);
        var directAtRate = await load.AtRateAsync(scenario.Direct, rate, phase);
        var nginxAtRate = viaNginx is null ? null : await load.AtRateAsync(viaNginx, rate, phase);
        rates.Add(new RatePoint(rate, directAtRate, await load.AtRateAsync(scenario.Router, rate, phase), nginxAtRate));
    }
    results.Add(new ScenarioResult(scenario, direct, routed, used, rates, floor, alone));
}

// Each feature's cost: the short request at saturation through a router started afresh per feature set.
var features = new List<FeatureResult>();
if (only is null or FeaturesOnly)
{
    foreach (var set in FeatureSet.Lines)
    {
        Console.Error.WriteLine($"bench: features: {set.Name}");
        await using var variant = await RouterUnderTest.StartAsync(root, upstream.BaseUrl, With(set.Environment(collector.Endpoint)));
        var shot = Scenarios.All(root, upstream.BaseUrl, variant.BaseUrl, await variant.IssueTokenAsync(set.Quotas)).Single(s => s.Name == Scenarios.ShortRequest).Router;
        // A fresh router: its methods are compiled and tiered up before it is measured.
        await load.SaturateAsync(shot, 16, phase);
        var before = variant.UsageByService();
        var sample = await load.SaturateAsync(shot, 16, phase);
        features.Add(new FeatureResult(set, sample, Delta(before, variant.UsageByService())));
    }
}

var memory = new List<(TimeSpan At, long Rss)>();
if (soak > TimeSpan.Zero && results.Any(r => r.Scenario.Name == Scenarios.ShortRequest))
{
    Console.Error.WriteLine($"bench: soak for {soak.TotalMinutes} min");
    var shortScenario = results.Single(r => r.Scenario.Name == Scenarios.ShortRequest);
    var soakRate = Math.Round(shortScenario.Router.Throughput * 0.5 / 10) * 10;
    var step = TimeSpan.FromSeconds(quick ? 5 : 10);
    for (var at = TimeSpan.Zero; at < soak; at += step)
    {
        await load.AtRateAsync(shortScenario.Scenario.Router, soakRate, step);
        memory.Add((at + step, router.Usage().RssBytes));
    }
}

var report = Report.Markdown(results, features, memory, Environment.ProcessorCount, quick);
await File.WriteAllTextAsync(Path.Combine(output, "results.md"), report);
foreach (var result in results)
{
    Report.Plot(result, Path.Combine(output, $"latency-{result.Scenario.Name}.png"));
}
Console.WriteLine(report);
return 0;

// What the router's processes used while a phase ran, per service.
async Task<(Sample, IReadOnlyDictionary<string, ProcessUsage>)> MeasuredAsync(Func<Task<Sample>> phase)
{
    var before = router.UsageByService();
    var sample = await phase();
    return (sample, Delta(before, router.UsageByService()));
}

static IReadOnlyDictionary<string, ProcessUsage> Delta(IReadOnlyDictionary<string, ProcessUsage> before, IReadOnlyDictionary<string, ProcessUsage> after) =>
    after.ToDictionary(a => a.Key, a => a.Value.Since(before.GetValueOrDefault(a.Key)));

string? Arg(string name) => Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;
