using GenAiRouter.Contracts.V1;

using GenAiRouter.Ingress.Routing;

namespace GenAiRouter.Ingress.Tests.Routing;

public sealed class TargetHealthTests
{
    private readonly ManualTime _time = new();

    [Fact]
    public void Targets_are_tried_by_priority()
    {
        var health = new TargetHealth(_time);

        var order = health.Order([Target("second", priority: 2), Target("first", priority: 1), Target("third", priority: 3)]);

        Assert.Equal(["first", "second", "third"], order.Select(t => t.Name));
    }

    [Fact]
    public void A_target_that_failed_three_times_in_a_row_is_tried_last_for_ten_seconds()
    {
        var health = new TargetHealth(_time);
        var flaky = Target("flaky", priority: 1);
        var steady = Target("steady", priority: 2);

        health.Failed(flaky);
        health.Failed(flaky);
        Assert.Equal("flaky", health.Order([flaky, steady])[0].Name);

        health.Failed(flaky);
        Assert.Equal(["steady", "flaky"], health.Order([flaky, steady]).Select(t => t.Name));

        _time.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal("flaky", health.Order([flaky, steady])[0].Name);
    }

    [Fact]
    public void One_success_clears_a_cooldown()
    {
        var health = new TargetHealth(_time);
        var flaky = Target("flaky", priority: 1);
        for (var i = 0; i < 3; i++)
        {
            health.Failed(flaky);
        }

        health.Succeeded(flaky);

        Assert.Equal("flaky", health.Order([flaky, Target("steady", priority: 2)])[0].Name);
    }

    [Fact]
    public void Weights_share_the_load_within_a_priority()
    {
        var health = new TargetHealth(_time);
        var heavy = Target("heavy", priority: 1, weight: 3);
        var light = Target("light", priority: 1, weight: 1);

        var firsts = Enumerable.Range(0, 4000).Select(_ => health.Order([heavy, light])[0].Name).ToList();

        // 3:1 expected; the bounds leave room for chance (about 10 standard deviations).
        Assert.InRange(firsts.Count(n => n == "heavy"), 2700, 3300);
    }

    private static Target Target(string name, int priority, int weight = 1) =>
        new() { Name = name, Priority = priority, Weight = weight, BaseUrl = $"http://{name}/v1" };
}
