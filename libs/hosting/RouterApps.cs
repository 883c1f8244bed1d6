namespace GenAiRouter.Hosting;

/// <summary>
/// The five services by their app id: the Dapr app id, the name in logs, and the key under which the
/// standalone topology is told each one's address.
/// </summary>
public static class RouterApps
{
    public const string Ingress = "ingress";
    public const string Auth = "auth";
    public const string Catalog = "catalog";
    public const string Bridge = "bridge";
    public const string Usage = "usage";

    /// <summary>
    /// How a Dapr sidecar talks to the app: gRPC (its gRPC port) for the services others call, HTTP (its HTTP port)
    /// for the ones that receive events. A sidecar speaks one protocol to its app.
    /// </summary>
    public static bool CalledOverGrpc(string appId) => appId is Auth or Catalog or Bridge;

    /// <summary>In start-up order: each service's dependencies come before it.</summary>
    public static readonly IReadOnlyList<string> All = [Auth, Catalog, Bridge, Usage, Ingress];

    /// <summary>
    /// Standalone port layout from one base port, ten ports in all: ingress takes the base port (its public door) and
    /// base+1 (internal HTTP: events, probes); the others follow in pairs (internal HTTP, then h2c gRPC).
    /// </summary>
    public static ServicePorts StandalonePorts(string appId, int basePort) => appId switch
    {
        Ingress => new ServicePorts(basePort + 1, null, basePort),
        Auth => Pair(basePort + 2),
        Catalog => Pair(basePort + 4),
        Bridge => Pair(basePort + 6),
        Usage => Pair(basePort + 8),
        _ => throw new ArgumentOutOfRangeException(nameof(appId), appId, "not a router service"),
    };

    private static ServicePorts Pair(int http) => new(http, http + 1, null);
}

/// <summary>A service's listeners: internal HTTP, internal gRPC (none for ingress), and the public door (ingress only).</summary>
public sealed record ServicePorts(int Http, int? Grpc, int? Public)
{
    public IEnumerable<(int Port, string Use)> All()
    {
        if (Public is { } door)
        {
            yield return (door, "public");
        }
        yield return (Http, "http");
        if (Grpc is { } grpc)
        {
            yield return (grpc, "grpc");
        }
    }
}
