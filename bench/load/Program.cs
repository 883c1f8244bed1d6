using System.Globalization;
using System.Text;
using GenAiRouter.Bench.Load;

// ./genai-router bench [--quick] [--scenario NAME] [--soak-minutes N] [--out DIR]
// The same load, in one run, sent straight to a fast loopback upstream and through the router in front of it.
const string Usage = "usage: ./genai-router bench [--quick] [--scenario NAME] [--soak-minutes N] [--out DIR]";
if (args.Contains("--help") || args.Contains("-h"))
{
    Console.WriteLine(Usage);
    return 0;
}
string[] valued = ["--root", "--scenario", "--soak-minutes", "--out"];
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
Directory.CreateDirectory(output);

await using var upstream = await FastUpstream.StartAsync();
await using var router = await RouterUnderTest.StartAsync(root, upstream.BaseUrl);
var (nginx, nginxMissing) = await NginxHop.StartAsync(upstream.BaseUrl);
await using var floorHop = nginx;
if (nginxMissing is not null)
{
    Console.Error.WriteLine($"bench: the nginx column is left out: {nginxMissing}");
}
var token = await router.IssueTokenAsync();
using var load = new LoadGenerator();
var only = Arg("--scenario");
var all = Scenarios.All(root, upstream.BaseUrl, router.BaseUrl, token);
if (only is not null && all.All(s => s.Name != only))
{
    Console.Error.WriteLine($"bench: no scenario {only}; there are {string.Join(", ", all.Select(s => s.Name))}");
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
    var before = router.UsageByService();
    var routed = await load.SaturateAsync(scenario.Router, 16, phase);
    var after = router.UsageByService();
    var cpuPer1000 = after.ToDictionary(a => a.Key, a => (a.Value.Cpu - (before.TryGetValue(a.Key, out var b) ? b.Cpu : TimeSpan.Zero)).TotalMilliseconds / routed.Count * 1000);
    var rates = new List<RatePoint>();
    foreach (var fraction in new[] { 0.1, 0.3, 0.5, 0.7 })
    {
        var rate = Math.Max(10, Math.Round(routed.Throughput * fraction / 10) * 10);
        var directAtRate = await load.AtRateAsync(scenario.Direct, rate, phase);
        var nginxAtRate = viaNginx is null ? null : await load.AtRateAsync(viaNginx, rate, phase);
        rates.Add(new RatePoint(rate, directAtRate, await load.AtRateAsync(scenario.Router, rate, phase), nginxAtRate));
    }
    results.Add(new ScenarioResult(scenario, direct, routed, cpuPer1000, after.Values.Sum(a => a.RssBytes), rates, floor));
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

var report = Report.Markdown(results, memory, Environment.ProcessorCount, quick);
await File.WriteAllTextAsync(Path.Combine(output, "results.md"), report);
foreach (var result in results)
{
    Report.Plot(result, Path.Combine(output, $"latency-{result.Scenario.Name}.png"));
}
Console.WriteLine(report);
return 0;

string? Arg(string name) => Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;
