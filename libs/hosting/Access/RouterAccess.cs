using Microsoft.AspNetCore.Builder;

namespace GenAiRouter.Hosting;

/// <summary>Who may reach an endpoint. An endpoint that says nothing is <see cref="Internal"/>: access fails closed.</summary>
public enum Access
{
    /// <summary>Only the other router services: the deployment's internal credential is required.</summary>
    Internal,
    /// <summary>Callers from outside, on ingress's public port only; the door checks their caller token.</summary>
    Public,
    /// <summary>Operators: the admin credential is required (token issue/list/revoke, usage queries).</summary>
    Admin,
    /// <summary>Liveness and readiness probes: anyone, on any port.</summary>
    Probe,
    /// <summary>The metrics scrape: anyone on the internal (loopback) and health ports, never on ingress's public door.</summary>
    Metrics,
}

/// <summary>Marks a gRPC service, a method or an endpoint with who may reach it.</summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Method, AllowMultiple = false, Inherited = true)]
public sealed class RouterAccessAttribute(Access access) : Attribute
{
    public Access Access { get; } = access;
}

public static class RouterAccessExtensions
{
    /// <summary>Says who may reach these endpoints (see <see cref="Access"/>).</summary>
    public static TBuilder WithAccess<TBuilder>(this TBuilder builder, Access access) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new RouterAccessAttribute(access));
}
