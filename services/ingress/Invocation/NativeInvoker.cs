using GenAiRouter.Contracts.V1;
using GenAiRouter.Ingress.Doors;
using GenAiRouter.Upstream;

namespace GenAiRouter.Ingress.Invocation;

/// <summary>
/// A target that speaks the door's protocol, called straight from ingress: the group name swapped for the target's
/// model, the rest of the body byte for byte, no extra hop.
/// </summary>
public sealed class NativeInvoker(UpstreamCaller upstream)
{
    public async Task<(UpstreamAnswer? Answer, UpstreamFailure? Failure)> SendAsync(Target target, DoorRequest request, byte[] body, Limits limits, CancellationToken cancellationToken)
    {
        var call = await upstream.SendAsync(target, new ByteArrayContent(ModelSwap.Apply(body, request.ModelValue, target.Model)), limits, cancellationToken);
        if (call.Failure is { } failure)
        {
            call.Dispose();
            failure.Message = $"The target '{target.Name}': {failure.Message}.";
            return (null, failure);
        }
        var response = call.Response!;
        var content = response.Content;
        var stream = await content.ReadAsStreamAsync(cancellationToken);
        return (new UpstreamAnswer((int)response.StatusCode, content.Headers.ContentType?.ToString(), content.Headers.ContentLength, stream, call, call.Key), null);
    }
}
