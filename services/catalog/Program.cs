using GenAiRouter.Catalog;
using GenAiRouter.Hosting;

return await RouterService.RunAsync(args, RouterApps.Catalog,
    configure: builder =>
    {
        builder.Services.AddSingleton<CatalogState>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<CatalogState>());
        builder.Services.AddHealthChecks().AddCheck<CatalogLoadedCheck>("catalog-loaded", tags: [ServiceDefaults.ReadyTag]);
    },
    map: app =>
    {
        app.MapGrpcService<CatalogService>();
    });
