using GenAiRouter.Routing;

namespace GenAiRouter.Ingress.Doors;

/// <summary>
/// A request as routing sees it, whatever door it came in by: the group it names and where that name sits in the
/// body, its shape, what the cache must know besides (whether the caller asked the upstream to keep the answer or run
/// it in the background), the session it belongs to, and the encrypted reasoning it carries back.
/// </summary>
public sealed record DoorRequest(
    string Group,
    Range ModelValue,
    RequestShape Shape,
    bool Store = false,
    bool Background = false,
    string? SessionKey = null,
    IReadOnlyList<SealedItem>? Sealed = null);
