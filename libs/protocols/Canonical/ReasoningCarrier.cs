using System.Buffers.Text;
using System.Text;
using System.Text.Json;
using GenAiRouter.Contracts.V1;

namespace GenAiRouter.Protocols.Canonical;

/// <summary>
/// Reasoning a target keeps opaque (a Responses <c>encrypted_content</c>, a Messages thinking block's text and
/// <c>signature</c>, a <c>redacted_thinking</c> block's <c>data</c>), packed into one string that a caller of another
/// protocol carries in its own opaque field and sends back on its next turn. Only a writer for the protocol that made
/// it unpacks it into that protocol's reasoning again; every other writer leaves it out. (Which upstream account may
/// read it is ingress's boundary seal, on top of this.)
/// </summary>
public static class ReasoningCarrier
{
    private const string Prefix = "rtrc1.";

    /// <summary>Reasoning only readable (a chat model's) is packed as <see cref="Protocol.Unspecified"/>: no target takes it back.</summary>
    public static string Readable(string text) => Pack(Protocol.Unspecified, text, "");

    private static readonly Dictionary<Protocol, string> Names = new() { [Protocol.Responses] = "responses", [Protocol.Messages] = "messages", [Protocol.Unspecified] = "readable" };

    /// <param name="origin">The protocol of the target that produced the reasoning.</param>
    /// <param name="text">Readable text that must go back with the secret (a thinking block's text), if any.</param>
    /// <param name="secret">The opaque value itself.</param>
    /// <param name="redacted">A Messages <c>redacted_thinking</c> block rather than a signed thinking block.</param>
    public static string Pack(Protocol origin, string? text, string secret, bool redacted = false)
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(new Carried(Names.GetValueOrDefault(origin, "readable"), text, secret, redacted ? true : null), CarriedJson.Default.Carried);
        return Prefix + Base64Url.EncodeToString(json);
    }

    /// <summary>The packed reasoning, or null when <paramref name="value"/> is not a carrier (e.g. a target's own value).</summary>
    public static (Protocol Origin, string? Text, string Secret, bool Redacted)? Unpack(string? value)
    {
        if (value is null || !value.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return null;
        }
        try
        {
            var carried = JsonSerializer.Deserialize(Base64Url.DecodeFromChars(value.AsSpan(Prefix.Length)), CarriedJson.Default.Carried);
            return carried is { Secret: not null }
                ? (Names.FirstOrDefault(n => n.Value == carried.Origin).Key, carried.Text, carried.Secret, carried.Redacted == true)
                : null;
        }
        catch (Exception e) when (e is FormatException or JsonException)
        {
            return null;
        }
    }

    internal sealed record Carried(
        [property: System.Text.Json.Serialization.JsonPropertyName("o")] string Origin,
        [property: System.Text.Json.Serialization.JsonPropertyName("t")] string? Text,
        [property: System.Text.Json.Serialization.JsonPropertyName("s")] string Secret,
        [property: System.Text.Json.Serialization.JsonPropertyName("r")] bool? Redacted);
}

[System.Text.Json.Serialization.JsonSourceGenerationOptions(DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
[System.Text.Json.Serialization.JsonSerializable(typeof(ReasoningCarrier.Carried))]
internal sealed partial class CarriedJson : System.Text.Json.Serialization.JsonSerializerContext;
