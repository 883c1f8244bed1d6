namespace GenAiRouter.Protocols.Canonical;

/// <summary>
/// A rough count of a conversation's input tokens, for targets that have no counting endpoint: about four characters
/// of text per token (instructions, messages, tool calls and results, tool definitions), and a fixed amount per image.
/// It answers "will this fit"; it is never used to bill.
/// </summary>
public static class TokenEstimate
{
    public const int CharactersPerToken = 4;
    public const int TokensPerImage = 1600;

    public static long Of(Conversation conversation)
    {
        long characters = conversation.Instructions.Sum(i => (long)i.Length);
        long images = 0;
        foreach (var part in conversation.Turns.SelectMany(t => t.Parts))
        {
            Count(part, ref characters, ref images);
        }
        foreach (var tool in conversation.Tools)
        {
            characters += tool.Name.Length + (tool.Description?.Length ?? 0) + (tool.Parameters?.GetRawText().Length ?? 0);
        }
        return ((characters + CharactersPerToken - 1) / CharactersPerToken) + (images * TokensPerImage);
    }

    private static void Count(Part part, ref long characters, ref long images)
    {
        switch (part)
        {
            case TextPart text:
                characters += text.Text.Length;
                break;
            case ImagePart:
                images++;
                break;
            case ToolCallPart call:
                characters += call.Name.Length + call.Arguments.Length;
                break;
            case ToolResultPart result:
                foreach (var inner in result.Content)
                {
                    Count(inner, ref characters, ref images);
                }
                break;
            case ReasoningPart { Text: { } thinking }:
                characters += thinking.Length;
                break;
        }
    }
}
