using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;

namespace GenAiRouter.Bench.Load;

/// <summary>One kind of request: where it goes and what it carries.</summary>
public sealed record Shot(Uri Url, byte[] Body, string? Token)
{
    public HttpRequestMessage ToRequest()
    {
        var request = new HttpRequestMessage(HttpMethod.Post, Url) { Content = new ByteArrayContent(Body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        if (Token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        }
        return request;
    }
}

/// <summary>Latencies (ms) of one run, sorted, with the count of failed requests.</summary>
public sealed record Sample(double[] LatencyMs, double[] FirstByteMs, int Failures, TimeSpan Elapsed)
{
    public int Count => LatencyMs.Length;
    public double Throughput => Count / Elapsed.TotalSeconds;
    public double P(double q) => Percentile(LatencyMs, q);
    public double FirstByteP(double q) => Percentile(FirstByteMs, q);

    private static double Percentile(double[] sorted, double q) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)];
}

/// <summary>
/// Sends load over pooled HTTP/1.1 connections. Saturation is closed-loop (N callers back to back). Fixed rates are
/// open-loop: requests go out on schedule whether or not earlier ones were answered, so a stalled server is charged
/// for every request it holds (no coordinated omission). The schedule is kept by a timer that ticks about every
/// millisecond; latency counts from when a request went out, so that tick's jitter is charged to neither side.
/// </summary>
public sealed class LoadGenerator : IDisposable
{
    private readonly HttpClient _http = new(new SocketsHttpHandler
    {
        MaxConnectionsPerServer = 512,
        PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
        AutomaticDecompression = DecompressionMethods.None,
        UseProxy = false,
    })
    { Timeout = TimeSpan.FromSeconds(30) };

    public async Task<Sample> SaturateAsync(Shot shot, int callers, TimeSpan duration)
    {
        var latencies = new List<double>[callers];
        var firstBytes = new List<double>[callers];
        var failures = 0;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, callers).Select(async caller =>
        {
            var mine = latencies[caller] = [];
            var myFirstBytes = firstBytes[caller] = [];
            while (clock.Elapsed < duration)
            {
                var started = clock.Elapsed;
                var (ok, firstByte) = await SendAsync(shot, started, clock);
                if (ok)
                {
                    mine.Add((clock.Elapsed - started).TotalMilliseconds);
                    myFirstBytes.Add((firstByte - started).TotalMilliseconds);
                }
                else
                {
                    Interlocked.Increment(ref failures);
                }
            }
        }));
        return new Sample(latencies.SelectMany(l => l).Order().ToArray(), firstBytes.SelectMany(l => l).Order().ToArray(), failures, clock.Elapsed);
    }

    public async Task<Sample> AtRateAsync(Shot shot, double perSecond, TimeSpan duration)
    {
        var total = (int)(perSecond * duration.TotalSeconds);
        var latencies = new double[total];
        var firstBytes = new double[total];
        var failed = new bool[total];
        var inFlight = new List<Task>(total);
        var clock = Stopwatch.StartNew();
        for (var sent = 0; sent < total;)
        {
            var due = Math.Min(total, (int)(clock.Elapsed.TotalSeconds * perSecond) + 1);
            for (; sent < due; sent++)
            {
                inFlight.Add(Measure(sent));
            }
            await Task.Delay(1);
        }
        await Task.WhenAll(inFlight);
        var elapsed = clock.Elapsed;

        async Task Measure(int index)
        {
            var sentAt = clock.Elapsed;
            var (ok, firstByte) = await SendAsync(shot, sentAt, clock);
            latencies[index] = (clock.Elapsed - sentAt).TotalMilliseconds;
            firstBytes[index] = (firstByte - sentAt).TotalMilliseconds;
            failed[index] = !ok;
        }
        var kept = Enumerable.Range(0, total).Where(i => !failed[i]).ToList();
        return new Sample(kept.Select(i => latencies[i]).Order().ToArray(), kept.Select(i => firstBytes[i]).Order().ToArray(), total - kept.Count, elapsed);
    }

    /// <returns>Whether the answer was a 200 read to the end, and when its first body byte arrived.</returns>
    private async Task<(bool Ok, TimeSpan FirstByte)> SendAsync(Shot shot, TimeSpan scheduled, Stopwatch clock)
    {
        try
        {
            using var request = shot.ToRequest();
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            await using var body = await response.Content.ReadAsStreamAsync();
            var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(16 * 1024);
            try
            {
                var read = await body.ReadAsync(buffer);
                var firstByte = clock.Elapsed;
                while (read > 0)
                {
                    read = await body.ReadAsync(buffer);
                }
                return (response.StatusCode == HttpStatusCode.OK, firstByte);
            }
            finally
            {
                System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
            }
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
        {
            return (false, scheduled);
        }
    }

    public void Dispose() => _http.Dispose();
}
