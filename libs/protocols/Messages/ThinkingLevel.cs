namespace GenAiRouter.Protocols.Messages;

/// <summary>
/// The reasoning level a Messages request asks for, in the router's terms (the levels groups offer and grants allow):
/// <c>output_config.effort</c> as it is; otherwise a thinking budget as the nearest level, and adaptive thinking as
/// medium. Disabled or absent thinking asks for none.
/// </summary>
public static class ThinkingLevel
{
    public static string? Of(string? effort, string? thinkingType, long budgetTokens) => effort ?? thinkingType switch
    {
        "enabled" => budgetTokens switch
        {
            < 4096 => "low",
            < 12288 => "medium",
            _ => "high",
        },
        "adaptive" => "medium",
        _ => null,
    };
}
