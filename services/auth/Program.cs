using GenAiRouter.Auth;
using GenAiRouter.Hosting;

return await RouterService.RunAsync(args, RouterApps.Auth,
    configure: builder =>
    {
        AuthSettings.Add(builder);
        builder.AddRouterStateStore(TokenRegistry.StoreName, StateDurability.Durable);
        builder.Services.AddSingleton<TokenRegistry>();
        builder.AddRouterGrpcClient<GenAiRouter.Contracts.V1.Catalog.CatalogClient>(RouterApps.Catalog);
    },
    map: app =>
    {
        app.MapGrpcService<CallerTokensService>();
        app.MapGrpcService<TokenAdminService>();
    });
