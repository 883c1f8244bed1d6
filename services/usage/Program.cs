using GenAiRouter.Hosting;

return await RouterService.RunAsync(args, RouterApps.Usage,
    configure: builder =>
    {
    },
    map: app =>
    {
    });
