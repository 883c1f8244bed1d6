using GenAiRouter.Hosting;
using GenAiRouter.Ingress;

return await RouterService.RunAsync(args, RouterApps.Ingress,
    configure: builder =>
    {
        builder.AddServiceDependency(RouterApps.Auth);
        builder.AddServiceDependency(RouterApps.Catalog);
    },
    map: app =>
    {
        app.MapFallback(OpenAiErrors.UnknownRoute);
    });
