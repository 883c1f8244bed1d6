using GenAiRouter.Hosting;
using GenAiRouter.Usage;

return await RouterService.RunAsync(args, RouterApps.Usage,
    configure: builder =>
    {
        var config = RouterConfigFile.Load(builder.Configuration);
        builder.Services.AddSingleton(new AdminCredential(config.AdminKeyEnv, builder.Configuration[config.AdminKeyEnv]));
        builder.Services.AddSingleton(UsageStore.Open(builder.Configuration));
        builder.Services.AddSingleton<UsageMetrics>();
        builder.Services.AddHealthChecks().AddCheck<UsageStoreCheck>("usage-store", tags: [ServiceDefaults.ReadyTag]);
    },
    map: app =>
    {
        app.MapUsage();
    });
