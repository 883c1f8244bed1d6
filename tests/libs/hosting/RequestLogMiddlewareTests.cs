using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace GenAiRouter.Hosting.Tests;

public sealed class RequestLogMiddlewareTests
{
    [Theory]
    [InlineData("/v1/responses", 200, null)]
    [InlineData("/v1/responses", 404, LogLevel.Information)]
    [InlineData("/v1/responses", 429, LogLevel.Information)]
    [InlineData("/v1/responses", 502, LogLevel.Error)]
    [InlineData("/readyz", 503, null)]
    [InlineData("/metrics", 401, null)]
    public async Task Refusals_and_failures_get_a_line_successes_and_probes_do_not(string path, int status, LogLevel? expected)
    {
        var logger = new Lines();
        var http = new DefaultHttpContext();
        (http.Request.Method, http.Request.Path) = ("POST", path);

        await new RequestLogMiddleware(h =>
        {
            h.Response.StatusCode = status;
            return Task.CompletedTask;
        }, logger).InvokeAsync(http);

        Assert.Equal(expected is null ? [] : [expected.Value], logger.Written.Select(w => w.Level));
    }

    [Fact]
    public async Task The_line_names_method_path_and_status_never_the_query()
    {
        var logger = new Lines();
        var http = new DefaultHttpContext();
        (http.Request.Method, http.Request.Path, http.Request.QueryString) = ("POST", "/v1/messages", new QueryString("?key=rtr_metrum_secret"));

        await new RequestLogMiddleware(h =>
        {
            h.Response.StatusCode = 401;
            return Task.CompletedTask;
        }, logger).InvokeAsync(http);

        var (_, text) = Assert.Single(logger.Written);
        Assert.StartsWith("POST /v1/messages answered 401 in ", text, StringComparison.Ordinal);
        Assert.DoesNotContain("rtr_", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_exception_is_logged_as_an_error_and_rethrown()
    {
        var logger = new Lines();

        await Assert.ThrowsAsync<InvalidOperationException>(() =>
            new RequestLogMiddleware(_ => throw new InvalidOperationException("boom"), logger).InvokeAsync(new DefaultHttpContext()));

        Assert.Equal(LogLevel.Error, Assert.Single(logger.Written).Level);
    }

    private sealed class Lines : ILogger<RequestLogMiddleware>
    {
        public List<(LogLevel Level, string Text)> Written { get; } = [];

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Written.Add((logLevel, formatter(state, exception)));
    }
}
