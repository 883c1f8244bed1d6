using GenAiRouter.Ingress.Auth;
using GenAiRouter.Ingress.Routing;
using GenAiRouter.Routing;

namespace GenAiRouter.Ingress.Doors;

/// <summary>
/// <c>GET /v1/models</c>: the caller token's view of the catalog (<see cref="ModelCatalog"/>), with an ETag that
/// changes when that view does; <c>If-None-Match</c> with the current one gets a 304.
/// </summary>
public static class ModelsEndpoint
{
    public static async Task ListAsync(HttpContext http, CallerAuthenticator authenticator, CatalogSnapshots catalog, ModelCatalog models)
    {
        var auth = await authenticator.AuthenticateAsync(CallerCredentials.ApiKeyOrBearer(http.Request), http.RequestAborted);
        if (auth.Caller is not { } caller)
        {
            await OpenAiErrors.WriteAsync(http, RouterError.Unauthenticated(auth.Failure));
            return;
        }
        if (catalog.Current is not { } snapshot)
        {
            await OpenAiErrors.WriteAsync(http, RouterError.CatalogUnavailable);
            return;
        }
        var (document, etag) = models.For(caller, snapshot);
        http.Response.Headers.ETag = etag;
        // What `genai-router validate` records of the deployment it proved; nothing here a caller could misuse.
        http.Response.Headers["x-router-version"] = GenAiRouter.Hosting.RouterVersion.Text;
        http.Response.Headers["x-router-catalog-version"] = snapshot.Version.ToString(System.Globalization.CultureInfo.InvariantCulture);
        // The document is the token's own: no shared cache may keep it.
        http.Response.Headers.CacheControl = "private, no-cache";
        if (http.Request.Headers.IfNoneMatch.Any(v => v is not null && v.Split(',').Any(tag => tag.Trim() == etag)))
        {
            http.Response.StatusCode = StatusCodes.Status304NotModified;
            return;
        }
        http.Response.ContentType = "application/json";
        http.Response.ContentLength = document.Length;
        await http.Response.Body.WriteAsync(document, http.RequestAborted);
    }
}
