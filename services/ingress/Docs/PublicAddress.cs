using System.Net;
using System.Text.RegularExpressions;

namespace GenAiRouter.Ingress.Docs;

/// <summary>
/// The router's address as the reader's browser sees it, for the examples the docs show. Behind a reverse proxy or an
/// ingress controller that is not the address ingress listens on: the proxy says it in <c>X-Forwarded-Proto</c>,
/// <c>-Host</c> and <c>-Prefix</c>. Those headers are believed only from a trusted proxy's address (anyone else could
/// write them), and only when they are well formed; otherwise the request's own scheme and Host stand. Even a believed
/// header only changes text on the page: the token box calls this router through a URL relative to the page itself.
/// </summary>
public static partial class PublicAddress
{
    /// <summary>The router's root URL, without a trailing slash: <c>https://router.example.com/llm</c>.</summary>
    public static string Resolve(string scheme, string host, IPAddress? peer, string? forwardedProto, string? forwardedHost,
        string? forwardedPrefix, IReadOnlyList<IPNetwork> trustedProxies)
    {
        var trusted = peer is not null && IsTrusted(peer, trustedProxies);
        var useScheme = trusted && First(forwardedProto) is { } proto && (proto.Equals("https", StringComparison.OrdinalIgnoreCase) || proto.Equals("http", StringComparison.OrdinalIgnoreCase))
            ? proto.ToLowerInvariant()
            : scheme;
        var useHost = trusted && First(forwardedHost) is { } forwarded && ValidHost(forwarded) ? forwarded : ValidHost(host) ? host : "localhost";
        var prefix = trusted && First(forwardedPrefix) is { } p && ValidPrefix(p) ? p.TrimEnd('/') : "";
        return $"{useScheme}://{useHost}{prefix}";
    }

    public static bool IsTrusted(IPAddress peer, IReadOnlyList<IPNetwork> trustedProxies)
    {
        var address = peer.IsIPv4MappedToIPv6 ? peer.MapToIPv4() : peer;
        foreach (var network in trustedProxies)
        {
            if (network.Contains(address))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>A proxy chain lists the client-facing value first.</summary>
    private static string? First(string? header)
    {
        if (string.IsNullOrWhiteSpace(header))
        {
            return null;
        }
        var comma = header.IndexOf(',');
        return (comma < 0 ? header : header[..comma]).Trim();
    }

    private static bool ValidHost(string host) => host.Length is > 0 and <= 255 && HostPattern().IsMatch(host);

    private static bool ValidPrefix(string prefix) =>
        prefix.Length <= 200 && PrefixPattern().IsMatch(prefix) && !prefix.Split('/').Any(segment => segment is "." or "..");

    [GeneratedRegex(@"^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?)(:[0-9]{1,5})?$")]
    private static partial Regex HostPattern();

    [GeneratedRegex(@"^(/[A-Za-z0-9._~-]+)*/?$")]
    private static partial Regex PrefixPattern();
}
