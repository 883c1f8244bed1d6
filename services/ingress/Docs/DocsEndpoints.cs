using System.Net;
using GenAiRouter.Contracts.V1;
using GenAiRouter.Hosting;
using GenAiRouter.Routing;

namespace GenAiRouter.Ingress.Docs;

/// <summary>
/// The docs at the router's root and under /docs/: pages filled in with the reader's own router address, the site's
/// assets, the search index and the OpenAPI document. Public, like the doors: a reader needs no token to read them.
/// </summary>
public static class DocsEndpoints
{
    /// <summary>
    /// The page may load its own script, styles and icon and call this router (the token box), nothing else: no
    /// inline script, no other host, no frames, no forms posted anywhere.
    /// </summary>
    private const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; " +
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private static readonly string[] Read = [HttpMethods.Get, HttpMethods.Head];

    public static IServiceCollection AddDocs(this IServiceCollection services)
    {
        services.AddSingleton<DocsSite>();
        services.AddSingleton<DocsSettings>();
        return services;
    }

    public static WebApplication MapDocs(this WebApplication app)
    {
        // Rendered now: a page that cannot be built stops start-up rather than answering 500 later.
        app.Services.GetRequiredService<DocsSite>();
        // GET and HEAD (link checkers and uptime probes ask with HEAD); HEAD / alone is the doors' (Claude Code's preconnect).
        app.MapGet("/", (HttpContext http, DocsSite site, DocsSettings settings) => WritePageAsync(http, site.HomeAtRoot, settings)).WithAccess(Access.Public);
        // One route for /docs and /docs/ (routing does not tell them apart). Links in the pages are relative to /docs/,
        // so /docs is sent there: "docs/" resolves against it to /docs/, also under a proxy's path prefix.
        app.MapMethods("/docs/", Read, (HttpContext http, DocsSite site, DocsSettings settings) => http.Request.Path.Value!.EndsWith('/')
            ? WritePageAsync(http, site.Page("index")!, settings)
            : Redirect(http, "docs/")).WithAccess(Access.Public);
        // /docs/codex/ would resolve every relative link one directory too deep: sent to /docs/codex.
        app.MapMethods("/docs/{page}", Read, (string page, HttpContext http, DocsSite site, DocsSettings settings) =>
            http.Request.Path.Value!.EndsWith('/') ? Redirect(http, "../" + Uri.EscapeDataString(page))
            : site.Page(page) is { } found && page != "index" ? WritePageAsync(http, found, settings)
            : WritePageAsync(http, site.NotFound, settings, StatusCodes.Status404NotFound)).WithAccess(Access.Public);
        app.MapMethods("/docs/assets/{name}", Read, (string name, HttpContext http, DocsSite site) => WriteAssetAsync(http, site.Asset(name))).WithAccess(Access.Public);
        app.MapMethods("/docs/search.json", Read, (HttpContext http, DocsSite site) =>
        {
            http.Response.Headers.CacheControl = "no-cache";
            http.Response.Headers.XContentTypeOptions = "nosniff";
            return Results.Bytes(site.SearchIndex, "application/json");
        }).WithAccess(Access.Public);
        app.MapMethods("/docs/openapi.json", Read, (HttpContext http, DocsSite site, DocsSettings settings) =>
        {
            http.Response.Headers.CacheControl = "no-cache";
            http.Response.Headers.Vary = "X-Forwarded-Host, X-Forwarded-Proto, X-Forwarded-Prefix";
            http.Response.Headers.XContentTypeOptions = "nosniff";
            return Results.Text(site.OpenApi.Json(settings.RouterUrl(http)), "application/json");
        }).WithAccess(Access.Public);
        return app;
    }

    private static Task WritePageAsync(HttpContext http, PageTemplate page, DocsSettings settings, int status = StatusCodes.Status200OK)
    {
        var response = http.Response;
        response.StatusCode = status;
        response.ContentType = "text/html; charset=utf-8";
        // The page carries the address the request came in by: a shared cache must not hand it to another reader.
        response.Headers.CacheControl = "no-cache";
        response.Headers.Vary = "X-Forwarded-Host, X-Forwarded-Proto, X-Forwarded-Prefix";
        response.Headers.ContentSecurityPolicy = ContentSecurityPolicy;
        response.Headers.XContentTypeOptions = "nosniff";
        response.Headers.XFrameOptions = "DENY";
        response.Headers["Referrer-Policy"] = "no-referrer";
        return response.WriteAsync(page.Render(settings.Values(http)));
    }

    private static Task WriteAssetAsync(HttpContext http, DocsAsset? asset)
    {
        var response = http.Response;
        if (asset is null)
        {
            response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        }
        // Fingerprinted names: a changed file is a new name, so an asset may be kept for a year.
        response.Headers.CacheControl = "public, max-age=31536000, immutable";
        response.Headers.ETag = asset.ETag;
        response.Headers.XContentTypeOptions = "nosniff";
        if (http.Request.Headers.IfNoneMatch == asset.ETag)
        {
            response.StatusCode = StatusCodes.Status304NotModified;
            return Task.CompletedTask;
        }
        response.ContentType = asset.ContentType;
        return response.Body.WriteAsync(asset.Content).AsTask();
    }

    private static Task Redirect(HttpContext http, string relative)
    {
        http.Response.StatusCode = StatusCodes.Status301MovedPermanently;
        http.Response.Headers.Location = relative;
        return Task.CompletedTask;
    }
}

/// <summary>What the docs take from the catalog: who to ask for access, a group for examples, which proxies to believe.</summary>
public sealed class DocsSettings(CatalogSnapshots catalog)
{
    private sealed record Trusted(long Version, IPNetwork[] Networks);

    private Trusted _trusted = new(-1, []);

    public PageValues Values(HttpContext http)
    {
        var snapshot = catalog.Current;
        return new PageValues(RouterUrl(http), snapshot?.Groups.FirstOrDefault()?.Name ?? "your-group",
            snapshot?.Docs?.Contact is { Length: > 0 } contact ? contact : "your platform team");
    }

    public string RouterUrl(HttpContext http)
    {
        var request = http.Request;
        var headers = request.Headers;
        return PublicAddress.Resolve(request.Scheme, request.Host.Value ?? "", http.Connection.RemoteIpAddress,
            headers["X-Forwarded-Proto"], headers["X-Forwarded-Host"], headers["X-Forwarded-Prefix"], TrustedProxies(catalog.Current));
    }

    private IPNetwork[] TrustedProxies(CatalogSnapshot? snapshot)
    {
        if (snapshot is null)
        {
            return [];
        }
        var trusted = Volatile.Read(ref _trusted);
        if (trusted.Version != snapshot.Version)
        {
            // Validated by the catalog; parsed once per catalog version.
            trusted = new Trusted(snapshot.Version, [.. snapshot.Docs?.TrustedProxies.Select(n => IPNetwork.Parse(n)) ?? []]);
            Volatile.Write(ref _trusted, trusted);
        }
        return trusted.Networks;
    }
}
