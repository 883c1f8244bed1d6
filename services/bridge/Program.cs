using GenAiRouter.Bridge;
using GenAiRouter.Hosting;

return await RouterService.RunAsync(args, RouterApps.Bridge,
    configure: builder =>
    {
        builder.Services.AddSingleton<UpstreamClients>();
    },
    map: app =>
    {
        app.MapGrpcService<BridgeService>();
    });
