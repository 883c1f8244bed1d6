using GenAiRouter.Contracts.V1;
using GenAiRouter.Ingress.Routing;

namespace GenAiRouter.Ingress.Tests.Routing;

/// <summary>Session affinity as a table: where sessions go, and how few move when the group changes.</summary>
public sealed class AffinityTests
{
    private static readonly string[] Sessions = [.. Enumerable.Range(0, 10_000).Select(i => $"session-{i:x8}-{i * 7919 % 1000}")];

    [Fact]
    public void A_session_goes_to_the_same_target_on_every_replica_and_every_time()
    {
        var targets = Targets("a", "b", "c");
        var replicaOne = new TargetHealth(new ManualTime());
        var replicaTwo = new TargetHealth(new ManualTime());

        foreach (var session in Sessions.Take(500))
        {
            var first = replicaOne.Order(targets, session)[0].Name;
            Assert.Equal(first, replicaTwo.Order(targets, session)[0].Name);
            Assert.Equal(first, replicaOne.Order([.. targets.Reverse()], session)[0].Name);
        }
    }

    [Fact]
    public void Sessions_spread_evenly_and_by_weight()
    {
        var even = Share(Targets("a", "b", "c", "d"));
        Assert.All(even.Values, count => Assert.InRange(count, 2300, 2700));

        var weighted = Share([Target("heavy", weight: 3), Target("light", weight: 1)]);
        Assert.InRange(weighted["heavy"], 7200, 7800);
    }

    [Fact]
    public void Adding_a_target_moves_about_one_in_n_sessions_all_of_them_to_the_new_target()
    {
        var before = Sessions.ToDictionary(s => s, s => Affinity.Rank(Targets("a", "b", "c", "d"), s).First().Name);
        var after = Sessions.ToDictionary(s => s, s => Affinity.Rank(Targets("a", "b", "c", "d", "e"), s).First().Name);

        var moved = Sessions.Where(s => before[s] != after[s]).ToList();
        Assert.InRange(moved.Count, 1700, 2300);
        Assert.All(moved, s => Assert.Equal("e", after[s]));

        // And removing it again brings every session back.
        Assert.All(Sessions, s => Assert.Equal(before[s], Affinity.Rank(Targets("a", "b", "c", "d"), s).First().Name));
    }

    [Fact]
    public void Removing_a_target_moves_only_its_own_sessions()
    {
        var before = Sessions.ToDictionary(s => s, s => Affinity.Rank(Targets("a", "b", "c", "d"), s).First().Name);
        var after = Sessions.ToDictionary(s => s, s => Affinity.Rank(Targets("a", "b", "d"), s).First().Name);

        Assert.All(Sessions.Where(s => before[s] != "c"), s => Assert.Equal(before[s], after[s]));
    }

    [Fact]
    public void An_unhealthy_targets_sessions_move_while_it_cools_down_and_come_back()
    {
        var time = new ManualTime();
        var health = new TargetHealth(time);
        var targets = Targets("a", "b", "c");
        var ownedByB = Sessions.Where(s => health.Order(targets, s)[0].Name == "b").Take(200).ToList();
        Assert.NotEmpty(ownedByB);

        for (var i = 0; i < 3; i++)
        {
            health.Failed(targets[1]);
        }
        Assert.All(ownedByB, s => Assert.NotEqual("b", health.Order(targets, s)[0].Name));

        time.Advance(TimeSpan.FromSeconds(10));
        Assert.All(ownedByB, s => Assert.Equal("b", health.Order(targets, s)[0].Name));
    }

    [Fact]
    public void Priority_still_comes_first_and_sessions_only_choose_within_it()
    {
        var health = new TargetHealth(new ManualTime());
        var preferred = Target("preferred", priority: 1);
        var spare = Target("spare", priority: 2);

        Assert.All(Sessions.Take(200), s => Assert.Equal("preferred", health.Order([spare, preferred], s)[0].Name));
    }

    private static Dictionary<string, int> Share(Target[] targets) =>
        Sessions.GroupBy(s => Affinity.Rank(targets, s).First().Name).ToDictionary(g => g.Key, g => g.Count());

    private static Target[] Targets(params string[] names) => [.. names.Select(n => Target(n))];

    private static Target Target(string name, int priority = 1, int weight = 1) =>
        new() { Name = name, BaseUrl = $"http://{name}", Priority = priority, Weight = weight };
}
