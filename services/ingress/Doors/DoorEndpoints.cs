using GenAiRouter.Contracts.V1;
using GenAiRouter.Hosting;
using GenAiRouter.Ingress.Auth;
using GenAiRouter.Ingress.Doors.Chat;
using GenAiRouter.Ingress.Doors.Messages;
using GenAiRouter.Ingress.Doors.Responses;
using GenAiRouter.Ingress.Routing;

namespace GenAiRouter.Ingress.Doors;

/// <summary>The public surface: one route per door, all served by the same routing core, and the model list.</summary>
public static class DoorEndpoints
{
    public static IServiceCollection AddDoors(this IServiceCollection services)
    {
        services.AddSingleton<ResponsesDoor>();
        services.AddSingleton<ChatDoor>();
        services.AddSingleton<MessagesDoor>();
        services.AddSingleton<ModelCatalog>();
        // What the public listener answers for anything it does not serve: the OpenAI-shaped 404.
        services.Configure<AccessControlOptions>(o => o.PublicNotFound = OpenAiErrors.UnknownRoute);
        return services;
    }

    public static WebApplication MapDoors(this WebApplication app)
    {
        app.MapGet("/v1/models", ModelsEndpoint.ListAsync).WithAccess(Access.Public);
        app.MapPost("/v1/responses", (HttpContext http, RoutingCore core, ResponsesDoor door) => core.HandleAsync(http, door)).WithAccess(Access.Public);
        app.MapPost("/v1/chat/completions", (HttpContext http, RoutingCore core, ChatDoor door) => core.HandleAsync(http, door)).WithAccess(Access.Public);
        app.MapPost("/v1/messages", (HttpContext http, RoutingCore core, MessagesDoor door) => core.HandleAsync(http, door)).WithAccess(Access.Public);
        app.MapPost("/v1/messages/count_tokens", (HttpContext http, RoutingCore core, MessagesDoor door) => core.CountTokensAsync(http, door)).WithAccess(Access.Public);
        // Claude Code opens its connection with HEAD / before its first request; any fast answer will do.
        app.MapMethods("/", [HttpMethods.Head], () => Results.Ok()).WithAccess(Access.Public);
        // Clients that try a WebSocket first (Codex with supports_websockets) fall back to HTTP at once on a 426.
        app.MapGet("/v1/responses", OpenAiErrors.WebSocketsNotServed).WithAccess(Access.Public);
        app.MapFallback(OpenAiErrors.UnknownRoute).WithAccess(Access.Public);
        return app;
    }

    /// <summary>Internal: every ingress replica hears every revocation and change of a token's limits (a declared Dapr Subscription on the broadcast pub/sub).</summary>
    public static WebApplication MapTokenRevocations(this WebApplication app)
    {
        app.UseCloudEvents();
        app.MapPost(Topics.Route(Topics.TokenRevoked), async (HttpRequest request, CallerAuthenticator authenticator, Quotas.IQuotaCounters quotas) =>
        {
            if (await EventData.ReadAsync(request, TokenRevoked.Parser) is not { KeyId.Length: > 0 } revoked)
            {
                // Not a token-revoked event: retrying cannot make it one (Dapr drops it to the dead-letter topic).
                return Results.Json(new { status = "DROP" });
            }
            // The next request with this token is validated afresh: refused if revoked, with its new limits if changed.
            authenticator.Revoke(revoked.KeyId);
            if (revoked.RevokedAt is not null)
            {
                await quotas.ForgetTokenAsync(revoked.KeyId);
            }
            return Results.Ok();
        });
        return app;
    }
}
