using GenAiRouter.Contracts.V1;
using GenAiRouter.Hosting;
using GenAiRouter.Ingress.Auth;
using GenAiRouter.Ingress.Caching;
using GenAiRouter.Ingress.Docs;
using GenAiRouter.Ingress.Doors;
using GenAiRouter.Ingress.Invocation;
using GenAiRouter.Ingress.Quotas;
using GenAiRouter.Ingress.Routing;
using GenAiRouter.Ingress.Telemetry;
using GenAiRouter.Routing;
using GenAiRouter.Upstream;

return await RouterService.RunAsync(args, RouterApps.Ingress,
    configure: builder =>
    {
        // Caller tokens: validated by auth, cached here. Serving from the cache goes on while auth is away.
        builder.AddServiceDependency(RouterApps.Auth, gatesReadiness: false);
        builder.AddRouterGrpcClient<CallerTokens.CallerTokensClient>(RouterApps.Auth);
        builder.Services.AddSingleton<CallerAuthenticator>();
        // Metrics of requests, tokens, cost and the pipeline, and the span of each upstream call.
        builder.Services.AddSingleton<RouterMetrics>();
        // Routing: the local catalog snapshot, target health, and the one core every door shares.
        builder.AddCatalogSnapshots();
        builder.Services.AddSingleton<TargetHealth>();
        builder.Services.AddSingleton<RoutingCore>();
        // Rate limits and budgets: counters every replica shares in Redis (ROUTER_REDIS), else in this process.
        if (builder.AddRouterRedis())
        {
            var leaseShare = builder.Configuration.GetValue("Router:Quotas:LeaseShare", RedisQuotaCounters.DefaultLeaseShare);
            builder.Services.AddSingleton<IQuotaCounters>(services => new RedisQuotaCounters(services.GetRequiredService<StackExchange.Redis.IConnectionMultiplexer>(), leaseShare));
        }
        else
        {
            builder.Services.AddSingleton<IQuotaCounters, MemoryQuotaCounters>();
        }
        builder.Services.AddSingleton<QuotaGate>();
        builder.Services.AddDoors();
        // The user docs, served at the root.
        builder.Services.AddDocs();
        // Calling targets: natively, or through the bridge; one relay for both.
        builder.Services.AddSingleton<UpstreamClients>();
        builder.Services.AddSingleton<UpstreamCaller>();
        builder.Services.AddSingleton<NativeInvoker>();
        builder.AddRouterGrpcClient<Bridge.BridgeClient>(RouterApps.Bridge);
        builder.Services.AddSingleton<BridgeInvoker>();
        builder.Services.AddSingleton<ResponseRelay>();
        // The response cache, and usage events off the request path.
        builder.AddRouterStateStore(ResponseCache.StoreName, StateDurability.Volatile, gatesReadiness: false);
        builder.Services.AddSingleton<ResponseCache>();
        builder.Services.AddSingleton<UsageRecorder>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<UsageRecorder>());
        builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.SnakeCaseLower);
    },
    map: app =>
    {
        app.MapTokenRevocations();
        app.MapDoors();
        app.MapDocs();
        // Connected now (Redis, when the counters live there): a limit must hold from the first request on.
        app.Services.GetRequiredService<IQuotaCounters>();
    });
