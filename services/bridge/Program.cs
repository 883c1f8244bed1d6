using GenAiRouter.Hosting;

return await RouterService.RunAsync(args, RouterApps.Bridge,
    configure: builder =>
    {
    },
    map: app =>
    {
    });
