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
    /// Standalone port layout from one base port: ingress takes the base port (its public HTTP API) and
    /// base+1 (gRPC); the others follow in pairs (HTTP for health and events, then h2c gRPC).
    /// </summary>
    public static (int Http, int Grpc) StandalonePorts(string appId, int basePort)
    {
        var slot = appId switch
        {
            Ingress => 0,
            Auth => 1,
            Catalog => 2,
            Bridge => 3,
            Usage => 4,
            _ => throw new ArgumentOutOfRangeException(nameof(appId), appId, "not a router service"),
        };
        return (basePort + (2 * slot), basePort + (2 * slot) + 1);
    }
}
