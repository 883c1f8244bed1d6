using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace GenAiRouter.Bench.Load;

/// <summary>
/// Where the router's metrics and traces go while it is measured, as they would go to a collector in a deployment:
/// an OTLP/HTTP endpoint on loopback that reads each export and answers 200 with an empty export response.
/// What the router spends producing and sending them is in its CPU; what the sink spends is charged to both sides.
/// </summary>
public sealed class OtlpSink : IAsyncDisposable
{
    private readonly WebApplication _app;
    private long _exports;

    private OtlpSink(WebApplication app) => _app = app;

    public Uri Endpoint => new(_app.Urls.Single());

    /// <summary>Export requests received (metrics and traces together): proof that the router exported something.</summary>
    public long Exports => Interlocked.Read(ref _exports);

    public static async Task<OtlpSink> StartAsync()
    {
        OtlpSink? sink = null;
        var app = await Loopback.StartAsync(app => app.MapPost("/v1/{signal}", async (HttpContext http) =>
        {
            await http.Request.Body.CopyToAsync(Stream.Null);
            Interlocked.Increment(ref sink!._exports);
            http.Response.ContentType = "application/x-protobuf";
        }));
        return sink = new OtlpSink(app);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
