using Microsoft.Extensions.Configuration;

namespace GenAiRouter.Hosting;

/// <summary>How the services reach each other. Chosen once at start-up; service code never asks.</summary>
public enum Topology
{
    /// <summary>Direct gRPC between the services, in-process state store, events posted straight to subscribers.</summary>
    Standalone,
    /// <summary>gRPC through the Dapr sidecar's proxy, Dapr pub/sub and a Dapr state store.</summary>
    Dapr,
}

public static class TopologySelector
{
    /// <summary>
    /// <c>ROUTER_TOPOLOGY</c> = standalone | dapr | auto (default). Auto picks Dapr when a sidecar announced
    /// itself through <c>DAPR_GRPC_PORT</c>, as Dapr does for every app it runs.
    /// </summary>
    public static Topology Select(IConfiguration configuration)
    {
        var requested = configuration["ROUTER_TOPOLOGY"];
        return requested?.Trim().ToLowerInvariant() switch
        {
            null or "" or "auto" => string.IsNullOrEmpty(configuration["DAPR_GRPC_PORT"]) ? Topology.Standalone : Topology.Dapr,
            "standalone" => Topology.Standalone,
            "dapr" => Topology.Dapr,
            _ => throw new StartupException($"ROUTER_TOPOLOGY must be 'standalone', 'dapr' or 'auto', got '{requested}'"),
        };
    }
}
