using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;

namespace GenAiRouter.Catalog.Tests;

public sealed class CatalogStateTests : IDisposable
{
    private const string OneGroup = """
        groups:
          big-coder:
            targets:
              - { name: a, api: responses, base_url: http://a, model: m }
        """;

    private static readonly System.Diagnostics.Metrics.IMeterFactory Meters =
        new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>();

    private readonly string _path = Path.Combine(Path.GetTempPath(), $"catalog-{Guid.NewGuid():N}.yaml");

    [Fact]
    public async Task A_changed_file_becomes_a_new_snapshot_version_and_a_bad_one_keeps_the_last_good()
    {
        await File.WriteAllTextAsync(_path, OneGroup);
        using var state = new CatalogState(Settings(), Meters, NullLogger<CatalogState>.Instance);
        await state.StartAsync(default);
        Assert.Equal(1, state.Current.Version);

        await File.WriteAllTextAsync(_path, OneGroup.Replace("big-coder", "small-coder", StringComparison.Ordinal));
        await state.WaitForNewerAsync(1, Timeout());
        Assert.Equal((2, "small-coder"), (state.Current.Version, state.Current.Groups.Single().Name));

        await File.WriteAllTextAsync(_path, "groups: { broken: ");
        await Task.Delay(300);
        Assert.Equal((2, "small-coder"), (state.Current.Version, state.Current.Groups.Single().Name));

        await File.WriteAllTextAsync(_path, OneGroup);
        await state.WaitForNewerAsync(2, Timeout());
        Assert.Equal((3, "big-coder"), (state.Current.Version, state.Current.Groups.Single().Name));

        await state.StopAsync(default);
    }

    [Fact]
    public async Task A_bad_file_at_start_fails_start_up_with_its_problem()
    {
        await File.WriteAllTextAsync(_path, "groups:\n  g: { targets: [] }\n");
        using var state = new CatalogState(Settings(), Meters, NullLogger<CatalogState>.Instance);

        var e = await Assert.ThrowsAsync<RouterConfig.RouterConfigException>(() => state.StartAsync(default));

        Assert.Equal($"{_path}: groups.g.targets: a group needs at least one target", e.Message);
    }

    public void Dispose() => File.Delete(_path);

    private IConfiguration Settings() => new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
    {
        ["ROUTER_CONFIG"] = _path,
        ["Router:Catalog:ReloadMilliseconds"] = "50",
    }).Build();

    private static CancellationToken Timeout() => new CancellationTokenSource(TimeSpan.FromSeconds(10)).Token;
}
