using System.Text.Json;

namespace GenAiRouter.Routing;

/// <summary>Finds one property of a JSON object without parsing the rest of the document.</summary>
public static class TopLevelProperty
{
    /// <summary>
    /// Moves <paramref name="reader"/> (at the start of the document) onto the value of the object's property
    /// <paramref name="name"/>, skipping the others unread.
    /// </summary>
    /// <returns>False when the document is not an object or has no such property.</returns>
    /// <exception cref="JsonException">The document is not valid JSON up to the property.</exception>
    public static bool Seek(ref Utf8JsonReader reader, ReadOnlySpan<byte> name)
    {
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return false;
        }
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var found = reader.ValueTextEquals(name);
            reader.Read();
            if (found)
            {
                return true;
            }
            reader.Skip();
        }
        return false;
    }
}
