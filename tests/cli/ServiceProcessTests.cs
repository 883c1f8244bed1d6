using System.Net;
using System.Net.Sockets;

namespace GenAiRouter.Cli.Tests;

/// <summary>One service process on its own, as Kubernetes runs it: start-up problems and graceful shutdown.</summary>
public sealed class ServiceProcessTests
{
    [Fact]
    public async Task A_service_stops_gracefully_on_sigterm()
    {
        var port = RouterProcess.FreePortRange(2);
        await using var bridge = RouterProcess.Service("GenAiRouter.Bridge", Settings(port));
        await bridge.WaitForOutputAsync("Application started", TimeSpan.FromSeconds(30));

        bridge.Signal(15);

        Assert.Equal(0, await bridge.WaitForExitAsync(TimeSpan.FromSeconds(15)));
        Assert.Contains("Application is shutting down", bridge.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bad_config_stops_the_catalog_with_one_line_and_exit_code_2()
    {
        var path = Path.Combine(Path.GetTempPath(), $"router-{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(path, "issuer: metrum\nunknown_setting: 1\n");
        try
        {
            var settings = Settings(RouterProcess.FreePortRange(2));
            settings["ROUTER_CONFIG"] = path;
            await using var catalog = RouterProcess.Service("GenAiRouter.Catalog", settings);

            Assert.Equal(2, await catalog.WaitForExitAsync(TimeSpan.FromSeconds(30)));
            Assert.Equal($"error: catalog: {path}: line 2, column 1: unknown key 'unknown_setting'", catalog.Stderr.TrimEnd());
            Assert.DoesNotContain("   at ", catalog.Stdout, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task A_durable_store_without_a_data_directory_stops_auth_with_one_line()
    {
        await using var auth = RouterProcess.Service("GenAiRouter.Auth", Settings(RouterProcess.FreePortRange(2)));

        Assert.Equal(2, await auth.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal("error: auth: ROUTER_DATA_DIR must name a directory for the durable 'tokens' store in the standalone topology", auth.Stderr.TrimEnd());
    }

    [Fact]
    public async Task A_port_in_use_stops_a_service_with_one_line_and_exit_code_2()
    {
        var port = RouterProcess.FreePortRange(2);
        using var squatter = new TcpListener(IPAddress.Loopback, port);
        squatter.Start();
        await using var bridge = RouterProcess.Service("GenAiRouter.Bridge", Settings(port));

        Assert.Equal(2, await bridge.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        var stderr = bridge.Stderr.TrimEnd();
        Assert.StartsWith("error: bridge: ", stderr, StringComparison.Ordinal);
        Assert.Contains($"127.0.0.1:{port}", stderr, StringComparison.Ordinal);
        Assert.EndsWith("another program is using that port", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', stderr);
        Assert.DoesNotContain("   at ", bridge.Stdout, StringComparison.Ordinal);
    }

    private static Dictionary<string, string> Settings(int port) => new()
    {
        ["ROUTER_TOPOLOGY"] = "standalone",
        ["ROUTER_CONFIG"] = Path.Combine(RouterProcess.RepoRoot, "config", "genai-router.yaml"),
        ["Router__BindAddress"] = "127.0.0.1",
        ["Router__HttpPort"] = UpCommandTests.Text(port),
        ["Router__GrpcPort"] = UpCommandTests.Text(port + 1),
        ["ROUTER_INTERNAL_TOKEN"] = "service-process-internal-token",
        // The bridge resolves targets from the catalog; unreachable here, which makes it unready but lets it start.
        ["Router__Services__catalog"] = "http://127.0.0.1:1",
    };
}
