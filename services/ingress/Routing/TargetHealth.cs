using System.Collections.Concurrent;
using GenAiRouter.Contracts.V1;

namespace GenAiRouter.Ingress.Routing;

/// <summary>
/// Short cooldowns for targets that keep failing: after three failures in a row a target is tried last for
/// ten seconds, so requests stop paying its timeouts first. One success clears it.
/// </summary>
public sealed class TargetHealth(TimeProvider time)
{
    private const int FailuresBeforeCooldown = 3;
    private static readonly TimeSpan Cooldown = TimeSpan.FromSeconds(10);
    private readonly ConcurrentDictionary<string, (int Failures, DateTimeOffset CoolUntil)> _state = new(StringComparer.Ordinal);

    /// <summary>
    /// Eligible targets in the order to try them: by priority; within a priority, a session's own target first
    /// (<see cref="Affinity"/>) or, without a session, a weighted draw; cooling targets last, so a session whose
    /// target is cooling moves to its next one and comes back when it recovers.
    /// </summary>
    public IReadOnlyList<Target> Order(IReadOnlyList<Target> eligible, string? session = null)
    {
        if (eligible.Count == 1)
        {
            // The common group: nothing to choose between.
            return eligible;
        }
        var ordered = eligible
            .GroupBy(t => t.Priority)
            .OrderBy(g => g.Key)
            .SelectMany(g => session is null ? WeightedShuffle(g) : Affinity.Rank(g, session));
        if (_state.IsEmpty)
        {
            // No target failed lately: none is cooling.
            return ordered.ToList();
        }
        var now = time.GetUtcNow();
        return ordered.OrderBy(t => IsCooling(t, now)).ToList(); // stable: keeps the order within each side
    }

    public void Failed(Target target)
    {
        var now = time.GetUtcNow();
        _state.AddOrUpdate(Key(target), (1, now), (_, s) => s.Failures + 1 >= FailuresBeforeCooldown
            ? (s.Failures + 1, now + Cooldown)
            : (s.Failures + 1, s.CoolUntil));
    }

    public void Succeeded(Target target) => _state.TryRemove(Key(target), out _);

    /// <summary>The targets that failed lately, and whether each is cooling down now (for the metrics).</summary>
    public IEnumerable<(string Target, bool Cooling)> Cooling()
    {
        var now = time.GetUtcNow();
        return _state.Select(s => (s.Key[..s.Key.IndexOf('@', StringComparison.Ordinal)], s.Value.CoolUntil > now));
    }

    private bool IsCooling(Target target, DateTimeOffset now) => _state.TryGetValue(Key(target), out var s) && s.CoolUntil > now;

    private static IEnumerable<Target> WeightedShuffle(IEnumerable<Target> targets)
    {
        var pool = targets.ToList();
        while (pool.Count > 0)
        {
            var draw = Random.Shared.Next(pool.Sum(t => Math.Max(1, t.Weight)));
            var index = 0;
            while (draw >= Math.Max(1, pool[index].Weight))
            {
                draw -= Math.Max(1, pool[index].Weight);
                index++;
            }
            yield return pool[index];
            pool.RemoveAt(index);
        }
    }

    private static string Key(Target target) => $"{target.Name}@{target.BaseUrl}";
}
