using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace GenAiRouter.Bench.Load;

/// <summary>
/// The fastest upstream this machine can run: canned Responses, Chat Completions and Messages answers (JSON or SSE) from
/// byte arrays built once, the request body read and dropped. Whatever it costs, it costs both sides of a comparison.
/// </summary>
public sealed class FastUpstream : IAsyncDisposable
{
    private readonly WebApplication _app;

    private FastUpstream(WebApplication app) => _app = app;

    public Uri BaseUrl => new(new Uri(_app.Urls.Single()), "/v1");

    public static async Task<FastUpstream> StartAsync()
    {
        var app = await Loopback.StartAsync(app =>
        {
            app.MapPost("/v1/responses", (HttpContext http) => AnswerAsync(http, CannedAnswers.ResponseJson, CannedAnswers.ResponseEvents));
            app.MapPost("/v1/chat/completions", (HttpContext http) => AnswerAsync(http, CannedAnswers.ChatJson, CannedAnswers.ChatChunks));
            app.MapPost("/v1/messages", (HttpContext http) => AnswerAsync(http, CannedAnswers.MessageJson, CannedAnswers.MessageEvents));
        });
        return new FastUpstream(app);
    }

    private static async Task AnswerAsync(HttpContext http, byte[] json, byte[] events)
    {
        // Drain the body as an upstream must; whether the caller asked for a stream is in the body's bytes.
        var streamed = false;
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            int read;
            while ((read = await http.Request.Body.ReadAsync(buffer)) > 0)
            {
                streamed |= buffer.AsSpan(0, read).IndexOf("\"stream\":true"u8) >= 0;
            }
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
        http.Response.ContentType = streamed ? "text/event-stream" : "application/json";
        await http.Response.Body.WriteAsync(streamed ? events : json);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
