using GenAiRouter.Contracts.V1;
using GenAiRouter.Hosting;
using GenAiRouter.Ingress;
using GenAiRouter.Ingress.Caching;

return await RouterService.RunAsync(args, RouterApps.Ingress,
    configure: builder =>
    {
        builder.AddServiceDependency(RouterApps.Auth);
        builder.AddRouterGrpcClient<CallerTokens.CallerTokensClient>(RouterApps.Auth);
        builder.AddRouterGrpcClient<Catalog.CatalogClient>(RouterApps.Catalog);
        builder.AddRouterGrpcClient<Bridge.BridgeClient>(RouterApps.Bridge);
        builder.Services.AddSingleton<CallerAuthenticator>();
        builder.Services.AddSingleton<UpstreamClients>();
        builder.Services.AddSingleton<TargetHealth>();
        builder.Services.AddSingleton<ResponsesEndpoint>();
        builder.AddRouterStateStore(ResponseCache.StoreName, StateDurability.Volatile, gatesReadiness: false);
        builder.Services.AddSingleton<ResponseCache>();
        builder.Services.AddSingleton<UsageRecorder>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<UsageRecorder>());
        builder.Services.AddSingleton<CatalogSnapshots>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<CatalogSnapshots>());
        builder.Services.AddHealthChecks().AddCheck<CatalogSnapshots>("catalog-snapshot", tags: [ServiceDefaults.ReadyTag]);
        builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.SnakeCaseLower);
    },
    map: app =>
    {
        // Subscribed by a declared Dapr Subscription on the broadcast pub/sub: every replica hears every revocation.
        app.UseCloudEvents();
        app.MapPost(Topics.Route(Topics.TokenRevoked), (TokenRevokedEvent revoked, CallerAuthenticator authenticator) =>
        {
            authenticator.Revoke(revoked.KeyId);
            return Results.Ok();
        });
        app.MapGet("/v1/models", ModelsEndpoint.ListAsync);
        app.MapPost("/v1/responses", (HttpContext http, ResponsesEndpoint responses) => responses.HandleAsync(http));
        app.MapFallback(OpenAiErrors.UnknownRoute);
    });
