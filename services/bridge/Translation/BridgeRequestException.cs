namespace GenAiRouter.Bridge.Translation;

/// <summary>A Responses request the bridge cannot translate for this target; the message is for the caller.</summary>
public sealed class BridgeRequestException(string message, string? param = null) : Exception(message)
{
    public string? Param { get; } = param;
}
