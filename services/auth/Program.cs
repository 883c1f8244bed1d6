using GenAiRouter.Hosting;

return await RouterService.RunAsync(args, RouterApps.Auth,
    configure: builder =>
    {
    },
    map: app =>
    {
    });
