using GenAiRouter.RouterConfig;

namespace GenAiRouter.Catalog.Tests;

/// <summary>What the catalog derives for Codex and for sessions: context windows, prompts, reasoning boundaries.</summary>
public sealed class CatalogSnapshotBuilderTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("catalog-build-").FullName;

    [Fact]
    public void A_groups_context_window_is_its_own_else_the_smallest_its_targets_all_take()
    {
        var snapshot = Build("""
            groups:
              set:
                context_window: 150000
                targets: [{ name: a, api: responses, base_url: http://a, model: m, context_window: 400000 }]
              derived:
                targets:
                  - { name: a, api: responses, base_url: http://a, model: m, context_window: 400000 }
                  - { name: b, api: responses, base_url: http://b, model: m, context_window: 128000 }
              unknown:
                targets:
                  - { name: a, api: responses, base_url: http://a, model: m, context_window: 400000 }
                  - { name: b, api: responses, base_url: http://b, model: m }
            """);

        Assert.Equal([150000L, 128000L, 0L], snapshot.Groups.Select(g => g.ContextWindow));
    }

    [Fact]
    public void Codex_gets_the_routers_own_prompt_unless_the_configuration_names_one_for_all_groups_or_for_one()
    {
        File.WriteAllText(Path.Combine(_dir, "team.md"), "Team prompt.");
        File.WriteAllText(Path.Combine(_dir, "special.md"), "Special prompt.");

        var shipped = Build("groups: { g: { targets: [{ name: a, api: responses, base_url: http://a, model: m }] } }").Groups.Single().Instructions;
        var configured = Build("""
            instructions_file: team.md
            groups:
              g: { targets: [{ name: a, api: responses, base_url: http://a, model: m }] }
              own: { instructions_file: special.md, targets: [{ name: a, api: responses, base_url: http://a, model: m }] }
            """).Groups.Select(g => g.Instructions);

        Assert.Equal(CatalogSnapshotBuilder.DefaultInstructions, shipped);
        Assert.Contains("software engineering agent", shipped, StringComparison.Ordinal);
        Assert.Equal(["Team prompt.", "Special prompt."], configured);
    }

    [Fact]
    public void A_targets_reasoning_boundary_is_its_account_unless_named()
    {
        var targets = Build("""
            groups:
              g:
                targets:
                  - { name: a, api: responses, base_url: http://a/v1, model: m, api_key_env: KEY_A }
                  - { name: b, api: responses, base_url: http://b/v1, model: m, api_key_env: KEY_B, reasoning_boundary: shared-account }
            """).Groups.Single().Targets;

        Assert.Equal(["http://a/v1|KEY_A", "shared-account"], targets.Select(t => t.ReasoningBoundary));
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private Contracts.V1.CatalogSnapshot Build(string yaml) =>
        CatalogSnapshotBuilder.Build(RouterConfigLoader.Parse(yaml, Path.Combine(_dir, "router.yaml")), 1);
}
