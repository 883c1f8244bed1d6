using System.Globalization;
using Dapr.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Serilog;
using Serilog.Events;
using Serilog.Formatting;
using Serilog.Formatting.Compact;
using Serilog.Formatting.Display;
using StackExchange.Redis;

namespace GenAiRouter.Hosting;

/// <summary>What every router service has: logs, ports, health, graceful shutdown and the topology switch.</summary>
public static class ServiceDefaults
{
    /// <summary>Live while the process serves requests (probes: liveness, startup).</summary>
    public const string LivenessPath = "/healthz";

    /// <summary>Ready while the service's own dependencies answer and it is not shutting down (probe: readiness).</summary>
    public const string ReadinessPath = "/readyz";

    /// <summary>Health checks with this tag gate <c>/readyz</c>; untagged ones only liveness.</summary>
    public const string ReadyTag = "ready";

    public static WebApplicationBuilder AddServiceDefaults(this WebApplicationBuilder builder, string appId)
    {
        builder.Host.UseSerilog((context, logger) => ConfigureLogging(logger, context.Configuration, appId));
        if (builder.Configuration["ROUTER_DATA_DIR"] is { Length: > 0 } dataDir && TopologySelector.Select(builder.Configuration) == Topology.Standalone)
        {
            DataDirectory.Prepare(dataDir);
        }
        Listeners.Configure(builder.WebHost, builder.Configuration);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(15));
        builder.Services.AddGrpc();
        builder.Services.AddGrpcHealthChecks(o => o.Services.Map("", r => r.Tags.Contains(ReadyTag)));
        builder.Services.AddHealthChecks().AddCheck<LifetimeHealthCheck>("lifetime", tags: [ReadyTag]);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddHostedService<ParentProcessWatchdog>();
        builder.AddObservability(appId);
        AddTopology(builder, appId);
        return builder;
    }

    public static WebApplication MapServiceDefaults(this WebApplication app)
    {
        app.UseMiddleware<RequestLogMiddleware>();
        app.UseMiddleware<AccessControlMiddleware>();
        app.MapMetrics();
        app.MapHealthChecks(LivenessPath, new HealthCheckOptions { Predicate = _ => false }).WithAccess(Access.Probe);
        app.MapHealthChecks(ReadinessPath, new HealthCheckOptions { Predicate = r => r.Tags.Contains(ReadyTag), ResponseWriter = WriteReadiness }).WithAccess(Access.Probe);
        // Only the health service's own methods: the catch-all endpoints for unknown services and methods that gRPC
        // adds along with the first service mapped must stay internal.
        app.MapGrpcHealthChecksService().Add(endpoint =>
        {
            if (endpoint is Microsoft.AspNetCore.Routing.RouteEndpointBuilder { RoutePattern.RawText: { } route }
                && route.StartsWith("/grpc.health.v1.Health/", StringComparison.Ordinal) && !route.Contains('{', StringComparison.Ordinal))
            {
                endpoint.Metadata.Add(new RouterAccessAttribute(Access.Probe));
            }
        });
        return app;
    }

    /// <summary>"Healthy", or what is not ready and why: the probe's answer is where an unready service says so.</summary>
    private static Task WriteReadiness(HttpContext http, HealthReport report)
    {
        http.Response.ContentType = "text/plain; charset=utf-8";
        var failing = report.Entries.Where(e => e.Value.Status != HealthStatus.Healthy).Select(e => $"{e.Key}: {e.Value.Description ?? e.Value.Exception?.GetType().Name}");
        return http.Response.WriteAsync(report.Status == HealthStatus.Healthy ? "Healthy" : $"{report.Status}: {string.Join("; ", failing)}");
    }

    /// <summary>Probes and the metrics scrape: never worth a request log line.</summary>
    internal static bool IsRoutine(PathString path) =>
        path.StartsWithSegments(LivenessPath) || path.StartsWithSegments(ReadinessPath) || path.StartsWithSegments("/grpc.health.v1.Health")
        || path.StartsWithSegments(Observability.MetricsPath);

    private static void ConfigureLogging(LoggerConfiguration logger, IConfiguration configuration, string appId)
    {
        logger
            .MinimumLevel.Information()
            .MinimumLevel.Override("Microsoft.AspNetCore", LogEventLevel.Warning)
            // A failed start is reported once, as one line, by RouterService; not as a logged stack trace.
            .MinimumLevel.Override("Microsoft.Extensions.Hosting", LogEventLevel.Fatal)
            .MinimumLevel.Override("Microsoft.Extensions.Http", LogEventLevel.Warning)
            // An unready service answers /readyz with why, and the probe reports it; a check that fails would
            // otherwise log an error per probe, a flood at every start while dependencies come up.
            .MinimumLevel.Override("Microsoft.Extensions.Diagnostics.HealthChecks", LogEventLevel.Fatal)
            .MinimumLevel.Override("System.Net.Http", LogEventLevel.Warning)
            .MinimumLevel.Override("Grpc", LogEventLevel.Warning)
            .Enrich.FromLogContext()
            .Enrich.WithProperty("Service", appId);
        // Written in batches by a background loop: a request never waits on the console (or the pipe behind it), nor
        // on another request's log line, and does not wake a log thread per line (BufferedConsoleSink).
        ITextFormatter format = string.Equals(configuration["ROUTER_LOG_FORMAT"], "json", StringComparison.OrdinalIgnoreCase)
            ? new RenderedCompactJsonFormatter()
            : new MessageTemplateTextFormatter("{Timestamp:HH:mm:ss} {Level:u3} [{Service}] {Message:lj}{NewLine}{Exception}", CultureInfo.InvariantCulture);
        logger.WriteTo.Sink(new BufferedConsoleSink(format));
    }

    private static void AddTopology(WebApplicationBuilder builder, string appId)
    {
        var services = builder.Services;
        var configuration = builder.Configuration;
        var topology = TopologySelector.Select(configuration);
        services.AddSingleton(new TopologyInfo(topology));
        services.AddSingleton(InternalCredential.From(configuration, topology));
        if (topology == Topology.Dapr)
        {
            services.AddDaprClient();
            services.AddSingleton<IEventPublisher>(sp => new DaprEventPublisher(sp.GetRequiredService<DaprClient>()));
        }
        else
        {
            services.AddHttpClient(nameof(StandaloneEventPublisher));
            services.AddSingleton<IEventPublisher>(sp => new StandaloneEventPublisher(
                sp.GetRequiredService<IHttpClientFactory>().CreateClient(nameof(StandaloneEventPublisher)), configuration, sp.GetRequiredService<InternalCredential>(), appId));
        }
    }

    /// <summary>
    /// Registers the state store called <paramref name="name"/>, for <c>[FromKeyedServices(name)] IStateStore</c>.
    /// Dapr: the component named by <c>Router:Dapr:StateStores:&lt;name&gt;</c> (default: the name itself).
    /// Standalone: durable stores in a SQLite file in <c>ROUTER_DATA_DIR</c>; volatile ones in the Redis server named
    /// by <c>ROUTER_REDIS</c> when it is set, else in process memory.
    /// </summary>
    /// <param name="gatesReadiness">False for a store the service can do without (a cache): it then never makes the service unready.</param>
    public static IHostApplicationBuilder AddRouterStateStore(this IHostApplicationBuilder builder, string name, StateDurability durability, bool gatesReadiness = true)
    {
        var configuration = builder.Configuration;
        if (TopologySelector.Select(configuration) == Topology.Dapr)
        {
            var component = configuration[$"Router:Dapr:StateStores:{name}"] ?? name;
            builder.Services.AddKeyedSingleton<IStateStore>(name, (sp, _) => new DaprStateStore(sp.GetRequiredService<DaprClient>(), component));
        }
        else if (durability == StateDurability.Durable)
        {
            var dataDir = configuration["ROUTER_DATA_DIR"] is { Length: > 0 } dir
                ? dir
                : throw new StartupException($"ROUTER_DATA_DIR must name a directory for the durable '{name}' store in the standalone topology");
            builder.Services.AddKeyedSingleton<IStateStore>(name, (sp, _) => new SqliteStateStore(Path.Combine(dataDir, $"{name}.db"), sp.GetRequiredService<TimeProvider>()));
        }
        else if (builder.AddRouterRedis())
        {
            builder.Services.AddKeyedSingleton<IStateStore>(name, (sp, _) => new RedisStateStore(sp.GetRequiredService<IConnectionMultiplexer>(), name));
        }
        else
        {
            builder.Services.AddKeyedSingleton<IStateStore>(name, (sp, _) => new InMemoryStateStore(sp.GetRequiredService<TimeProvider>()));
        }
        if (gatesReadiness)
        {
            builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(
                $"state-store:{name}", sp => new StateStoreHealthCheck(sp.GetRequiredKeyedService<IStateStore>(name), name), HealthStatus.Unhealthy, [ReadyTag]));
        }
        return builder;
    }

    /// <summary>The Redis server named by <c>ROUTER_REDIS</c>, when it is set (in any topology); false when it is not.</summary>
    public static bool AddRouterRedis(this IHostApplicationBuilder builder)
    {
        if (builder.Configuration["ROUTER_REDIS"] is not { Length: > 0 } redis)
        {
            return false;
        }
        builder.Services.TryAddSingleton<IConnectionMultiplexer>(_ => ConnectRedis(redis));
        return true;
    }

    /// <summary>
    /// Connects in the background and keeps reconnecting; while Redis is away, commands fail at once instead of
    /// queueing, so a store that is down costs a request nothing but the miss.
    /// </summary>
    private static ConnectionMultiplexer ConnectRedis(string connectionString)
    {
        ConfigurationOptions options;
        try
        {
            options = ConfigurationOptions.Parse(connectionString);
        }
        catch (ArgumentException)
        {
            // Not the parser's message: it may quote the string, password included.
            throw new StartupException("ROUTER_REDIS is not a Redis connection string (host:port[,password=...])");
        }
        options.AbortOnConnectFail = false;
        options.BacklogPolicy = BacklogPolicy.FailFast;
        options.ConnectTimeout = 2000;
        options.SyncTimeout = options.AsyncTimeout = 1000;
        return ConnectionMultiplexer.Connect(options);
    }
}

/// <summary>Which topology this process runs in, for diagnostics only: service code must not branch on it.</summary>
public sealed record TopologyInfo(Topology Topology);
