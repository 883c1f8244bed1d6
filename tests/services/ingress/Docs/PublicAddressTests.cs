using System.Net;
using GenAiRouter.Ingress.Docs;

namespace GenAiRouter.Ingress.Tests.Docs;

/// <summary>Which address the docs write into examples: forwarded headers only from a trusted proxy, and only well formed.</summary>
public sealed class PublicAddressTests
{
    private static readonly IPNetwork[] Trusted = [IPNetwork.Parse("10.0.0.0/8"), IPNetwork.Parse("127.0.0.0/8")];

    public static TheoryData<string, string?, string?, string?, string> Cases => new()
    {
        // peer, X-Forwarded-Proto, -Host, -Prefix => the router's root
        { "10.1.2.3", null, null, null, "http://router.internal:8080" },
        { "10.1.2.3", "https", "router.example.com", "/llm", "https://router.example.com/llm" },
        { "10.1.2.3", "HTTPS", "router.example.com:8443", "/llm/", "https://router.example.com:8443/llm" },
        { "10.1.2.3", "https, http", "outer.example.com, inner.internal", "/a/b, /c", "https://outer.example.com/a/b" },
        { "::ffff:10.1.2.3", "https", "router.example.com", null, "https://router.example.com" },
        { "10.1.2.3", "https", "[2001:db8::1]:443", null, "https://[2001:db8::1]:443" },
        // Not a trusted proxy: its headers are anybody's words.
        { "203.0.113.9", "https", "evil.example", "/phish", "http://router.internal:8080" },
        // Trusted, but not well formed: each bad value is ignored on its own.
        { "10.1.2.3", "javascript", "router.example.com", null, "http://router.example.com" },
        { "10.1.2.3", "https", "evil.example\"><script>", null, "https://router.internal:8080" },
        { "10.1.2.3", "https", "user@evil.example", null, "https://router.internal:8080" },
        { "10.1.2.3", null, null, "/../admin", "http://router.internal:8080" },
        { "10.1.2.3", null, null, "//evil.example", "http://router.internal:8080" },
        { "10.1.2.3", null, null, "llm", "http://router.internal:8080" },
        { "10.1.2.3", null, null, "/llm?x=1", "http://router.internal:8080" },
        { "10.1.2.3", null, null, "/", "http://router.internal:8080" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Resolves_the_routers_root_as_the_reader_reached_it(string peer, string? proto, string? host, string? prefix, string expected) =>
        Assert.Equal(expected, PublicAddress.Resolve("http", "router.internal:8080", IPAddress.Parse(peer), proto, host, prefix, Trusted));

    [Fact]
    public void A_request_without_a_peer_address_trusts_no_header() =>
        Assert.Equal("http://router.internal:8080", PublicAddress.Resolve("http", "router.internal:8080", null, "https", "evil.example", "/x", Trusted));

    [Fact]
    public void A_malformed_host_header_falls_back_to_localhost() =>
        Assert.Equal("http://localhost", PublicAddress.Resolve("http", "bad host", IPAddress.Loopback, null, null, null, []));
}
