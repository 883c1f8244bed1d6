using System.Net;
using System.Text;
using System.Text.Json;

namespace GenAiRouter.Ingress.Tests;

/// <summary>POST /v1/responses through the real router to real loopback upstreams.</summary>
public sealed class ResponsesEndToEndTests(IngressFixture fixture) : IClassFixture<IngressFixture>, IDisposable
{
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };

    [Fact]
    public async Task A_request_reaches_the_first_target_as_its_upstream_model_with_the_upstream_key_and_comes_back_unchanged()
    {
        using var response = await PostAsync("""{"model":"coder","input":"hello","store":false}""");
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("a", response.Headers.GetValues("x-router-target").Single());
        Assert.Equal("from A", JsonDocument.Parse(body).RootElement.GetProperty("output")[0].GetProperty("content")[0].GetProperty("text").GetString());
        Assert.Equal(Encoding.UTF8.GetByteCount(body), response.Content.Headers.ContentLength);
        Assert.NotEqual(true, response.Headers.TransferEncodingChunked);
        var received = fixture.A.Received.Last();
        Assert.Equal("upstream-a", received.Json.GetProperty("model").GetString());
        Assert.Equal($"Bearer {IngressFixture.KeyA}", received.Authorization);
        Assert.DoesNotContain(fixture.Token, received.Body + received.Authorization, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Streamed_events_reach_the_caller_before_the_upstream_has_finished()
    {
        fixture.Release = new TaskCompletionSource();
        using var response = await PostAsync("""{"model":"single","input":"slow-stream","stream":true}""", streamed: true);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());

        var first = await ReadEventAsync(reader).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Contains("response.created", first, StringComparison.Ordinal);
        Assert.False(fixture.Release.Task.IsCompleted, "the upstream was still holding the rest of its stream");

        fixture.Release.SetResult();
        var rest = await reader.ReadToEndAsync();
        Assert.Contains("response.completed", rest, StringComparison.Ordinal);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task A_caller_that_goes_away_cancels_the_upstream_call()
    {
        fixture.Release = new TaskCompletionSource();
        fixture.UpstreamCancelled = new TaskCompletionSource<bool>();
        using (var response = await PostAsync("""{"model":"single","input":"slow-stream","stream":true}""", streamed: true))
        {
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
            await ReadEventAsync(reader).WaitAsync(TimeSpan.FromSeconds(10));
        }

        Assert.True(await fixture.UpstreamCancelled.Task.WaitAsync(TimeSpan.FromSeconds(10)), "the upstream was not cancelled");
    }

    [Fact]
    public async Task Connect_errors_and_5xx_before_the_first_byte_fail_over_to_the_next_target()
    {
        var before = fixture.A.Received.Count;

        using var response = await PostAsync("""{"model":"failover","input":"status:503","stream":true}""");
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("b-failover", response.Headers.GetValues("x-router-target").Single());
        Assert.Contains("from B", body, StringComparison.Ordinal);
        Assert.Equal(before + 1, fixture.A.Received.Count);
    }

    [Fact]
    public async Task Once_bytes_reached_the_caller_there_is_no_failover_and_the_stream_ends_with_an_error_event()
    {
        var toB = fixture.B.Received.Count(r => r.Body.Contains("partial-then-die", StringComparison.Ordinal));

        using var response = await PostAsync("""{"model":"failover","input":"partial-then-die","stream":true}""");
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("response.output_item.added", body, StringComparison.Ordinal);
        Assert.Contains("\"type\":\"error\"", body, StringComparison.Ordinal);
        Assert.DoesNotContain("from B", body, StringComparison.Ordinal);
        Assert.Equal(toB, fixture.B.Received.Count(r => r.Body.Contains("partial-then-die", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task An_upstream_silent_past_the_idle_timeout_ends_the_stream_with_a_timeout_error()
    {
        using var response = await PostAsync("""{"model":"single","input":"stall","stream":true}""");
        var body = await response.Content.ReadAsStringAsync();

        Assert.Contains("response.created", body, StringComparison.Ordinal);
        Assert.Contains("\"code\":\"upstream_timeout\"", body, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"model":"single","input":"status:429"}""", 429, "rate_limit_exceeded")]
    [InlineData("""{"model":"single","input":"hang"}""", 504, "upstream_timeout")]
    [InlineData("""{"model":"dead-only","input":"hi"}""", 502, "upstream_unavailable")]
    [InlineData("""{"model":"no-such-group","input":"hi"}""", 404, "model_not_found")]
    [InlineData("""{"model":"text-only","input":"hi"}""", 403, "model_not_allowed")]
    [InlineData("""{"model":"coder","input":"hi","reasoning":{"effort":"medium"}}""", 400, "unsupported_value")]
    [InlineData("""{"model":"vision","input":"hi","reasoning":{"effort":"low"}}""", 403, "reasoning_not_allowed")]
    [InlineData("""{"model":"coder","input":[{"role":"user","content":[{"type":"input_image","image_url":"data:image/png;base64,AA"}]}]}""", 400, "unsupported_request_shape")]
    [InlineData("""{"model":"coder","input":"hi","stream":tru""", 400, "invalid_json")]
    [InlineData("""{"input":"hi"}""", 400, "missing_required_parameter")]
    public async Task Every_failure_has_its_status_and_an_openai_shaped_error(string request, int status, string code)
    {
        using var response = await PostAsync(request);
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(status, (int)response.StatusCode);
        var error = JsonDocument.Parse(body).RootElement.GetProperty("error");
        Assert.Equal(code, error.GetProperty("code").GetString());
        Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("message").GetString()));
        Assert.DoesNotContain("127.0.0.1", body, StringComparison.Ordinal);
        if (status == 429)
        {
            Assert.Equal(TimeSpan.FromSeconds(7), response.Headers.RetryAfter?.Delta);
        }
        if (code == "unsupported_request_shape")
        {
            Assert.Contains("images", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_body_over_the_cap_gets_413()
    {
        var huge = $$"""{"model":"coder","input":"{{new string('x', 1_100_000)}}"}""";

        using var response = await PostAsync(huge);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("request_too_large", JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetProperty("code").GetString());
    }

    [Fact]
    public async Task A_request_without_a_caller_token_gets_401()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(fixture.Router.BaseUrl, "responses"))
        {
            Content = new StringContent("""{"model":"coder","input":"hi"}""", Encoding.UTF8, "application/json"),
        };

        using var response = await _http.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error");
        Assert.Equal("invalid_api_key", error.GetProperty("code").GetString());
        Assert.Contains("Authorization: Bearer", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_model_list_is_read_by_the_openai_client_and_carries_a_codex_catalog_entry_per_group()
    {
        var client = new OpenAI.Models.OpenAIModelClient(new System.ClientModel.ApiKeyCredential(fixture.Token), new OpenAI.OpenAIClientOptions { Endpoint = fixture.Router.BaseUrl });

        var listed = (await client.GetModelsAsync()).Value.Select(m => m.Id).ToList();

        Assert.Equal(["coder", "failover", "single", "dead-only", "vision", "cached"], listed);
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(fixture.Router.BaseUrl, "models"));
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", fixture.Token);
        using var response = await _http.SendAsync(request);
        var models = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("models").EnumerateArray().ToList();
        Assert.Equal(listed, models.Select(m => m.GetProperty("slug").GetString()));
        foreach (var model in models)
        {
            // Every field Codex requires of a catalog entry (a missing one makes it drop the whole catalog).
            foreach (var field in new[] { "display_name", "supported_reasoning_levels", "shell_type", "visibility", "supported_in_api", "priority", "base_instructions", "support_verbosity", "truncation_policy", "experimental_supported_tools" })
            {
                Assert.True(model.TryGetProperty(field, out var value) && value.ValueKind != JsonValueKind.Null, $"{model.GetProperty("slug")} lacks {field}");
            }
        }
        Assert.Equal(["low", "high"], models[0].GetProperty("supported_reasoning_levels").EnumerateArray().Select(l => l.GetProperty("effort").GetString()));
        Assert.Empty(models[4].GetProperty("supported_reasoning_levels").EnumerateArray());
        Assert.Equal(["text", "image"], models[4].GetProperty("input_modalities").EnumerateArray().Select(m => m.GetString()));
    }

    [Fact]
    public async Task A_refused_request_leaves_a_log_line_with_its_status()
    {
        const string line = "POST /v1/responses answered 404";
        var before = Occurrences(fixture.Router.Output, line);

        using var response = await PostAsync("""{"model":"no-such-group","input":"log me"}""");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (Occurrences(fixture.Router.Output, line) == before && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }
        Assert.Equal(before + 1, Occurrences(fixture.Router.Output, line));
    }

    private static int Occurrences(string text, string value) => (text.Length - text.Replace(value, "", StringComparison.Ordinal).Length) / value.Length;

    [Fact]
    public async Task Upstream_keys_never_reach_the_caller_or_the_logs()
    {
        using var response = await PostAsync("""{"model":"single","input":"status:400-leak"}""");
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.DoesNotContain(IngressFixture.KeyA, body, StringComparison.Ordinal);
        Assert.Contains("[redacted]", body, StringComparison.Ordinal);
        Assert.DoesNotContain(IngressFixture.KeyA, fixture.Router.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(IngressFixture.KeyB, fixture.Router.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(fixture.Token, fixture.Router.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_image_request_reaches_only_the_image_capable_target()
    {
        var toA = fixture.A.Received.Count;
        var toB = fixture.B.Received.Count;

        using var response = await PostAsync("""{"model":"vision","stream":true,"input":[{"role":"user","content":[{"type":"input_text","text":"what is this"},{"type":"input_image","image_url":"data:image/png;base64,iVBORw0KGgo="}]}]}""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("input_image", fixture.Vision.Received.Last().Body, StringComparison.Ordinal);
        Assert.Equal((toA, toB), (fixture.A.Received.Count, fixture.B.Received.Count));
    }

    public void Dispose() => _http.Dispose();

    private async Task<HttpResponseMessage> PostAsync(string json, bool streamed = false)
    {
        using var request = RouterHttp.Responses(fixture.Router.BaseUrl, fixture.Token, json);
        return await _http.SendAsync(request, streamed ? HttpCompletionOption.ResponseHeadersRead : HttpCompletionOption.ResponseContentRead);
    }

    private static async Task<string> ReadEventAsync(StreamReader reader)
    {
        var lines = new StringBuilder();
        while (await reader.ReadLineAsync() is { } line)
        {
            if (line.Length == 0 && lines.Length > 0)
            {
                break;
            }
            lines.AppendLine(line);
        }
        return lines.ToString();
    }
}
