using GenAiRouter.Contracts.V1;
using GenAiRouter.Ingress.Doors;
using GenAiRouter.Upstream;

namespace GenAiRouter.Ingress.Invocation;

/// <summary>
/// A target that speaks the door's protocol, called straight from ingress: the group name swapped for the target's
/// model, encrypted reasoning unsealed for the target's boundary or left out when another boundary sealed it, the
/// rest of the body byte for byte, no extra hop.
/// </summary>
public sealed class NativeInvoker(UpstreamCaller upstream)
{
    public const string ReasoningDroppedHeader = "x-router-reasoning-dropped";

    /// <param name="headers">The caller's protocol headers the target must see (<see cref="IDoor.NativeHeaders"/>).</param>
    /// <param name="path">Another operation of the target's API than its main endpoint.</param>
    public async Task<(UpstreamAnswer? Answer, UpstreamFailure? Failure)> SendAsync(Target target, DoorRequest request, byte[] body, Limits limits,
        IReadOnlyList<KeyValuePair<string, string>>? headers, CancellationToken cancellationToken, string? path = null)
    {
        byte[] upstreamBody;
        var dropped = 0;
        if (request.Sealed is { Count: > 0 } || request.Edits is { Count: > 0 })
        {
            var edits = new List<BodyEdit> { ModelSwap.Edit(body.Length, request.ModelValue, target.Model) };
            edits.AddRange(request.Edits ?? []);
            dropped = request.Sealed is { Count: > 0 } sealedItems ? ReasoningSeals.Unseal(sealedItems, target, edits) : 0;
            upstreamBody = BodyEdit.Apply(body, edits);
        }
        else
        {
            // The common case: one swap, one copy.
            upstreamBody = ModelSwap.Apply(body, request.ModelValue, target.Model);
        }
        var call = await upstream.SendAsync(target, new ByteArrayContent(upstreamBody), limits, cancellationToken, headers, path);
        if (call.Failure is { } failure)
        {
            call.Dispose();
            failure.Message = $"The target '{target.Name}': {failure.Message}.";
            return (null, failure);
        }
        var response = call.Response!;
        var content = response.Content;
        var stream = await content.ReadAsStreamAsync(cancellationToken);
        var answer = new UpstreamAnswer((int)response.StatusCode, content.Headers.ContentType?.ToString(), content.Headers.ContentLength, stream, call, call.Key);
        if (dropped > 0)
        {
            // Reasoning another upstream account made cannot be read here; the caller is told it was left out.
            answer.Headers[ReasoningDroppedHeader] = dropped.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        return (answer, null);
    }
}
