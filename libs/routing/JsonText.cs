using System.Buffers.Text;
using System.Text.Json;
using System.Text.Unicode;

namespace GenAiRouter.Routing;

/// <summary>
/// Whether a JSON string holds valid Unicode. <see cref="Utf8JsonReader"/> checks structure but not the text inside
/// strings: raw bytes may be invalid UTF-8, and a <c>\uD800</c> escape may stand alone. Either would break anything
/// that later reads the string (a cache key, a translation, an upstream), so requests and answers are checked first.
/// </summary>
public static class JsonText
{
    /// <summary>The current string or property name is valid UTF-8 with no unpaired surrogate escape.</summary>
    public static bool IsValid(ref readonly Utf8JsonReader reader)
    {
        var raw = reader.HasValueSequence ? System.Buffers.BuffersExtensions.ToArray(reader.ValueSequence) : reader.ValueSpan;
        return Utf8.IsValid(raw) && (!reader.ValueIsEscaped || EscapesArePaired(raw));
    }

    /// <summary>True for exactly one JSON value, with every string valid Unicode.</summary>
    public static bool IsJson(ReadOnlySpan<byte> json)
    {
        try
        {
            var reader = new Utf8JsonReader(json);
            while (reader.Read())
            {
                if (reader.TokenType is JsonTokenType.String or JsonTokenType.PropertyName && !IsValid(ref reader))
                {
                    return false;
                }
            }
            return reader.BytesConsumed > 0;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>Every <c>\uD800</c>-<c>\uDBFF</c> escape is followed by a <c>\uDC00</c>-<c>\uDFFF</c> one, and no low one stands alone.</summary>
    private static bool EscapesArePaired(ReadOnlySpan<byte> raw)
    {
        // The reader has already checked that every escape is well formed (\u is followed by four hex digits).
        var i = raw.IndexOf((byte)'\\');
        while (i >= 0 && i + 1 < raw.Length)
        {
            if (raw[i + 1] != (byte)'u')
            {
                i += 2;
            }
            else
            {
                var unit = Hex(raw.Slice(i + 2, 4));
                if (unit is >= 0xDC00 and <= 0xDFFF)
                {
                    return false;
                }
                if (unit is >= 0xD800 and <= 0xDBFF)
                {
                    if (i + 12 > raw.Length || raw[i + 6] != (byte)'\\' || raw[i + 7] != (byte)'u' || Hex(raw.Slice(i + 8, 4)) is < 0xDC00 or > 0xDFFF)
                    {
                        return false;
                    }
                    i += 12;
                }
                else
                {
                    i += 6;
                }
            }
            var next = i < raw.Length ? raw[i..].IndexOf((byte)'\\') : -1;
            i = next < 0 ? -1 : i + next;
        }
        return true;
    }

    private static int Hex(ReadOnlySpan<byte> digits) =>
        Utf8Parser.TryParse(digits, out int value, out var consumed, 'X') && consumed == 4 ? value : -1;
}
