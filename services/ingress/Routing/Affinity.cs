using GenAiRouter.Contracts.V1;

namespace GenAiRouter.Ingress.Routing;

/// <summary>
/// Keeps a session on one target among equally preferred ones, with no shared state: weighted rendezvous
/// (highest-random-weight) hashing of the session and each target's name. Every ingress replica ranks the same way;
/// adding or removing a target moves only the sessions that rank it first. Why: the upstream's prompt cache stays warm
/// (cached input costs about a tenth) and encrypted reasoning goes back to the account that can read it.
/// </summary>
public static class Affinity
{
    /// <summary>The targets, best first for <paramref name="session"/>.</summary>
    public static IEnumerable<Target> Rank(IEnumerable<Target> targets, string session) =>
        targets.OrderByDescending(t => Score(session, t.Name, Math.Max(1, t.Weight)));

    /// <summary>Weighted rendezvous score: <c>-weight / ln(u)</c> for a uniform <c>u</c> in (0, 1) drawn from the pair's hash.</summary>
    public static double Score(string session, string target, int weight)
    {
        var hash = Mix(Fnv(target, Fnv(session, 14695981039346656037UL) ^ 0xFF));
        var uniform = ((hash >> 11) + 0.5) / (1UL << 53);
        return -weight / Math.Log(uniform);
    }

    /// <summary>FNV-1a over the text's UTF-16 code units: the same on every machine and process, unlike string hash codes.</summary>
    private static ulong Fnv(string text, ulong hash)
    {
        foreach (var c in text)
        {
            hash = (hash ^ (c & 0xFFu)) * 1099511628211UL;
            hash = (hash ^ (uint)(c >> 8)) * 1099511628211UL;
        }
        return hash;
    }

    /// <summary>SplitMix64's finaliser: spreads FNV's bits so nearby sessions land far apart.</summary>
    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
