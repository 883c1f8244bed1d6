using System.Collections.Concurrent;
using GenAiRouter.Ingress.Tests.Otlp;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace GenAiRouter.Ingress.Tests.Telemetry;

/// <summary>An OTLP/HTTP collector on loopback: keeps every span the router's services export, with the service that sent it.</summary>
public sealed class OtlpReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;

    private OtlpReceiver(WebApplication app) => _app = app;

    public string Endpoint => _app.Urls.Single();

    public ConcurrentQueue<ReceivedSpan> Spans { get; } = new();

    public static async Task<OtlpReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var receiver = new OtlpReceiver(app);
        app.MapPost("/v1/traces", async (HttpRequest request) =>
        {
            using var body = new MemoryStream();
            await request.Body.CopyToAsync(body);
            foreach (var resource in ExportTraceServiceRequest.Parser.ParseFrom(body.ToArray()).ResourceSpans)
            {
                var service = resource.Resource?.Attributes.FirstOrDefault(a => a.Key == "service.name")?.Value.StringValue ?? "";
                foreach (var span in resource.ScopeSpans.SelectMany(s => s.Spans))
                {
                    receiver.Spans.Enqueue(new ReceivedSpan(service, Convert.ToHexStringLower(span.TraceId.Span), Convert.ToHexStringLower(span.SpanId.Span),
                        Convert.ToHexStringLower(span.ParentSpanId.Span), span.Name, span.Kind,
                        span.Attributes.ToDictionary(a => a.Key, a => a.Value.ValueCase switch
                        {
                            AnyValue.ValueOneofCase.IntValue => a.Value.IntValue.ToString(System.Globalization.CultureInfo.InvariantCulture),
                            AnyValue.ValueOneofCase.BoolValue => a.Value.BoolValue ? "true" : "false",
                            _ => a.Value.StringValue,
                        })));
                }
            }
            return Results.Ok();
        });
        // Metrics and logs are accepted and not read: these tests read metrics from the Prometheus scrape.
        app.MapPost("/v1/{signal}", () => Results.Ok());
        await app.StartAsync();
        return receiver;
    }

    public ValueTask DisposeAsync() => _app.DisposeAsync();
}

/// <summary>One exported span. Kind: 2 server, 3 client (OTLP's numbering).</summary>
public sealed record ReceivedSpan(string Service, string TraceId, string SpanId, string ParentSpanId, string Name, int Kind, IReadOnlyDictionary<string, string> Attributes);
