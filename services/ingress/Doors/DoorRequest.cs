using GenAiRouter.Routing;

namespace GenAiRouter.Ingress.Doors;

/// <summary>
/// A request as routing sees it, whatever door it came in by: the group it names and where that name sits in the
/// body, its shape, what the cache must know besides (whether the caller asked the upstream to keep the answer or run
/// it in the background), the session it belongs to, the encrypted reasoning it carries back, and what its door
/// changes on the way to a native target (and back).
/// </summary>
/// <param name="Edits">The door's own edits to the body for a native target (e.g. asking a chat upstream for usage).</param>
/// <param name="HideStreamUsage">The caller did not ask for the usage chunk the router asked the upstream for.</param>
public sealed record DoorRequest(
    string Group,
    Range ModelValue,
    RequestShape Shape,
    bool Store = false,
    bool Background = false,
    string? SessionKey = null,
    IReadOnlyList<SealedItem>? Sealed = null,
    IReadOnlyList<BodyEdit>? Edits = null,
    bool HideStreamUsage = false);
