using GenAiRouter.Bridge;
using GenAiRouter.Hosting;
using GenAiRouter.Routing;
using GenAiRouter.Upstream;

return await RouterService.RunAsync(args, RouterApps.Bridge,
    configure: builder =>
    {
        builder.AddCatalogSnapshots();
        builder.Services.AddSingleton<UpstreamClients>();
        builder.Services.AddSingleton<UpstreamCaller>();
        // Ingress bounds request bodies (limits.max_body_mb) before anything reaches the bridge, and only the router's
        // own services may call it: no smaller gRPC limit of its own, so any body ingress takes can be translated.
        builder.Services.Configure<Grpc.AspNetCore.Server.GrpcServiceOptions>(o => o.MaxReceiveMessageSize = null);
    },
    map: app =>
    {
        app.MapGrpcService<BridgeService>();
    });
