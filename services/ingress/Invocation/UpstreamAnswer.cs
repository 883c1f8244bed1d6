namespace GenAiRouter.Ingress.Invocation;

/// <summary>
/// A target's answer with its head in hand and its body not yet read, whether the target was called natively or
/// through the bridge: the relay treats both alike.
/// </summary>
public sealed class UpstreamAnswer(int status, string? contentType, long? contentLength, Stream body, IDisposable owner, string? key = null) : IAsyncDisposable
{
    public int Status { get; } = status;

    /// <summary>The content type as sent (relayed as is).</summary>
    public string? ContentType { get; } = contentType;

    /// <summary>The content type without parameters, e.g. <c>text/event-stream</c>.</summary>
    public string? MediaType { get; } = contentType is null ? null : contentType.Split(';', 2)[0].Trim();

    public long? ContentLength { get; } = contentLength;

    /// <summary>The body; a read that fails mid-answer throws <see cref="IOException"/> (or <see cref="HttpRequestException"/>).</summary>
    public Stream Body { get; } = body;

    /// <summary>The upstream key the router used: an error text quoting it is redacted before the caller sees it.</summary>
    public string? Key { get; } = key;

    /// <summary>Headers for the caller beyond the body's own (<c>x-router-bridge</c>, <c>x-router-dropped-tools</c>...).</summary>
    public Dictionary<string, string> Headers { get; } = new(StringComparer.OrdinalIgnoreCase);

    public async ValueTask DisposeAsync()
    {
        await Body.DisposeAsync();
        owner.Dispose();
    }
}
