using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using GenAiRouter.Hosting;

namespace GenAiRouter.Cli.Tests;

/// <summary>`genai-router up` as a newcomer uses it: start, use, stop, and the mistakes they can make.</summary>
public sealed class UpCommandTests
{
    private const int SIGINT = 2;
    private const int SIGTERM = 15;
    private const int SIGKILL = 9;
    private static readonly TimeSpan ReadyWithin = TimeSpan.FromSeconds(90);

    [Theory]
    [InlineData(SIGINT)]
    [InlineData(SIGTERM)]
    public async Task Up_brings_all_five_services_to_ready_and_a_stop_signal_to_it_alone_leaves_no_process_behind(int signal)
    {
        // The signal goes to `up` only, not its process group; `up` honours SIGINT even when started as a background job.
        var port = RouterProcess.FreePortRange();
        await using var up = RouterProcess.Cli("up", "--port", Text(port));

        await up.WaitForOutputAsync($"base URL:     http://127.0.0.1:{port}/v1", ReadyWithin);
        await up.WaitForOutputAsync($"docs:         http://127.0.0.1:{port}/", ReadyWithin);

        using var http = new HttpClient();
        Assert.Contains("GenAI Smart Router", await http.GetStringAsync($"http://127.0.0.1:{port}/"), StringComparison.Ordinal);
        await up.WaitForOutputAsync($"metrics:      http://127.0.0.1:{port + 1}/metrics", ReadyWithin);
        Assert.Contains("router_catalog_version", await http.GetStringAsync($"http://127.0.0.1:{port + 1}/metrics"), StringComparison.Ordinal);
        foreach (var app in RouterApps.All)
        {
            var readyz = new Uri($"http://127.0.0.1:{RouterApps.StandalonePorts(app, port).Http}/readyz");
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(readyz)).StatusCode);
        }
        var services = up.Children();
        Assert.Equal(5, services.Count);

        up.Signal(signal);

        Assert.Equal(0, await up.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.All(services, pid => Assert.False(RouterProcess.IsRunning(pid), $"service process {pid} outlived genai-router up"));
        // A requested stop is routine: no fatal line, no stack trace.
        var output = up.Stdout + up.Stderr;
        Assert.DoesNotContain(" FTL ", output, StringComparison.Ordinal);
        Assert.DoesNotContain(" ERR ", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Services_stop_by_themselves_when_up_is_killed_outright()
    {
        var port = RouterProcess.FreePortRange();
        await using var up = RouterProcess.Cli("up", "--port", Text(port));
        await up.WaitForOutputAsync("GenAI Smart Router is ready", ReadyWithin);
        var services = up.Children();

        up.Signal(SIGKILL);

        await WaitUntilAsync(() => services.All(pid => !RouterProcess.IsRunning(pid)), TimeSpan.FromSeconds(20),
            "services outlived a killed genai-router up");
    }

    [Fact]
    public async Task Ingress_answers_unknown_urls_with_an_openai_shaped_error()
    {
        var port = RouterProcess.FreePortRange();
        await using var up = RouterProcess.Cli("up", "--port", Text(port));
        await up.WaitForOutputAsync("GenAI Smart Router is ready", ReadyWithin);
        using var http = new HttpClient();

        using var response = await http.GetAsync(new Uri($"http://127.0.0.1:{port}/v2/nothing-here"));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var error = body.RootElement.GetProperty("error");
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        Assert.Equal("unknown_url", error.GetProperty("code").GetString());
        Assert.Contains("/v2/nothing-here", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_config_file_stops_startup_with_one_line_naming_it()
    {
        var path = Path.Combine(Path.GetTempPath(), $"missing-{Guid.NewGuid():N}.yaml");

        var (code, stderr) = await RunToEndAsync("up", "--config", path, "--port", Text(RouterProcess.FreePortRange()));

        Assert.Equal(2, code);
        Assert.Equal($"genai-router: error: {path}: file not found", stderr);
    }

    [Theory]
    [InlineData("issuer: \"metrum\n", ": line 1, column 9: While scanning a quoted scalar, found unexpected end of stream.")]
    [InlineData("issuer: metrum\nbridge:\n  enabeld: true\n", ": line 3, column 3: unknown key 'enabeld'")]
    [InlineData("groups:\n  g:\n    targets:\n      - { name: t, api: soap, base_url: http://x, model: m }\n", ": groups.g.targets[0].api: must be 'responses', 'chat' or 'messages', got 'soap'")]
    public async Task A_bad_config_file_stops_startup_with_one_line_naming_the_file_and_the_problem(string yaml, string problem)
    {
        var path = Path.Combine(Path.GetTempPath(), $"router-{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(path, yaml);
        try
        {
            var (code, stderr) = await RunToEndAsync("up", "--config", path, "--port", Text(RouterProcess.FreePortRange()));

            Assert.Equal(2, code);
            Assert.StartsWith($"genai-router: error: {path}{problem}", stderr, StringComparison.Ordinal);
            Assert.DoesNotContain('\n', stderr);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task A_port_in_use_stops_startup_naming_the_port_and_what_to_do()
    {
        var port = RouterProcess.FreePortRange();
        var catalogGrpc = RouterApps.StandalonePorts(RouterApps.Catalog, port).Grpc!.Value;
        using var squatter = new TcpListener(IPAddress.Loopback, catalogGrpc);
        squatter.Start();

        var (code, stderr) = await RunToEndAsync("up", "--port", Text(port));

        Assert.Equal(2, code);
        Assert.Equal(
            $"genai-router: error: port {catalogGrpc} (catalog grpc) is already in use; stop what uses it or pick another base port with --port N (the router uses N to N+9)",
            stderr);
    }

    private static async Task<(int Code, string Stderr)> RunToEndAsync(params string[] args)
    {
        await using var cli = RouterProcess.Cli(args);
        var code = await cli.WaitForExitAsync(TimeSpan.FromSeconds(60));
        return (code, cli.Stderr.TrimEnd());
    }

    internal static async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout, string failure)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, failure);
            await Task.Delay(100);
        }
    }

    internal static string Text(int number) => number.ToString(CultureInfo.InvariantCulture);
}
