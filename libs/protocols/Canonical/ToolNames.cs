using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace GenAiRouter.Protocols.Canonical;

/// <summary>
/// Chat and Messages function names must match <c>^[a-zA-Z0-9_-]{1,64}$</c> and have no namespaces. Tools in a
/// Responses <c>namespace</c> group are flattened to <c>&lt;namespace&gt;__&lt;name&gt;</c> (made to fit the rule, with a
/// short hash where it had to change), and mapped back when the model calls them.
/// </summary>
public sealed partial class ToolNames
{
    private readonly Dictionary<string, (string? Namespace, string Name)> _byFlatName = new(StringComparer.Ordinal);

    public string Flatten(string? ns, string name)
    {
        var joined = ns is null ? name : $"{ns}__{name}";
        var flat = Allowed().IsMatch(joined) ? joined : Fit(joined);
        _byFlatName[flat] = (ns, name);
        return flat;
    }

    /// <summary>The namespace and name for a flattened name; unknown names come back unchanged.</summary>
    public (string? Namespace, string Name) Restore(string flatName) =>
        _byFlatName.TryGetValue(flatName, out var original) ? original : (null, flatName);

    private static string Fit(string name)
    {
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(name)))[..8];
        var cleaned = Disallowed().Replace(name, "_");
        return cleaned.Length + 9 <= 64 ? $"{cleaned}_{hash}" : $"{cleaned[..55]}_{hash}";
    }

    [GeneratedRegex("^[a-zA-Z0-9_-]{1,64}$")]
    private static partial Regex Allowed();

    [GeneratedRegex("[^a-zA-Z0-9_-]")]
    private static partial Regex Disallowed();
}
