using System.Collections.Frozen;
using System.Text.Json;
using GenAiRouter.Routing;

namespace GenAiRouter.Ingress.Doors;

/// <summary>The kinds of JSON value a request field may hold.</summary>
[Flags]
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1720:Identifier contains type name", Justification = "JSON's own names for its kinds of value")]
public enum JsonKinds
{
    None = 0,
    String = 1,
    Number = 2,
    Boolean = 4,
    Object = 8,
    Array = 16,
    Null = 32,
}

/// <summary>A request body that no door can read: not JSON, a string that is not Unicode, or a field of the wrong type.</summary>
public sealed class BadRequestBodyException(string message, string? param = null, string code = "invalid_request") : Exception(message)
{
    public string? Param { get; } = param;

    public string Code { get; } = code;
}

/// <summary>
/// One forward pass over a request body that also proves it is sound: every token is read (skipped values too), and
/// every string and property name is checked to be valid Unicode, so nothing after the door meets text it cannot read.
/// </summary>
public static class JsonScan
{
    /// <summary>A door's classifier of a whole request body.</summary>
    public delegate DoorRequest Classifier(ReadOnlySpan<byte> body);

    /// <summary>Runs a door's classifier; a body that is not JSON is refused as such.</summary>
    /// <exception cref="BadRequestBodyException">The body cannot be routed; the message says why, for the caller.</exception>
    public static DoorRequest Classify(ReadOnlySpan<byte> body, Classifier classify)
    {
        try
        {
            return classify(body);
        }
        catch (JsonException)
        {
            throw new BadRequestBodyException("The request body is not valid JSON.", code: "invalid_json");
        }
    }

    /// <summary>A reader on the body's opening brace; a body that is not a JSON object is refused.</summary>
    public static Utf8JsonReader Open(ReadOnlySpan<byte> body)
    {
        var reader = new Utf8JsonReader(body, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow });
        if (!Read(ref reader) || reader.TokenType != JsonTokenType.StartObject)
        {
            throw new BadRequestBodyException("The request body must be a JSON object.");
        }
        return reader;
    }

    /// <summary>After the body's object: refuses anything more.</summary>
    public static void End(ref Utf8JsonReader reader)
    {
        if (Read(ref reader))
        {
            throw new BadRequestBodyException("The request body must be one JSON object.");
        }
    }

    /// <summary>Refuses a request without a parameter it needs.</summary>
    public static void Require([System.Diagnostics.CodeAnalysis.DoesNotReturnIf(false)] bool present, string name, string? what = null)
    {
        if (!present)
        {
            throw new BadRequestBodyException($"Missing required parameter: '{name}'{(what is null ? "" : $" ({what})")}.", name, "missing_required_parameter");
        }
    }

    public static bool Read(ref Utf8JsonReader reader)
    {
        if (!reader.Read())
        {
            return false;
        }
        if (reader.TokenType is JsonTokenType.String or JsonTokenType.PropertyName && !JsonText.IsValid(ref reader))
        {
            throw new BadRequestBodyException("The request body holds a string that is not valid UTF-8 or has an unpaired surrogate escape.", code: "invalid_encoding");
        }
        return true;
    }

    /// <summary>Moves past the value the reader is on (to its last token), checking everything inside it.</summary>
    public static void Skip(ref Utf8JsonReader reader)
    {
        if (reader.TokenType is not (JsonTokenType.StartObject or JsonTokenType.StartArray))
        {
            return;
        }
        var depth = reader.CurrentDepth;
        while (Read(ref reader) && reader.CurrentDepth > depth)
        {
        }
    }

    /// <summary>Refuses the value the reader is on unless it is one of <paramref name="allowed"/>.</summary>
    public static void Expect(ref Utf8JsonReader reader, string field, JsonKinds allowed)
    {
        var kind = Kind(reader.TokenType);
        if ((allowed & kind) == 0)
        {
            throw new BadRequestBodyException($"Invalid type for '{field}': expected {Describe(allowed)}, but got {Describe(kind)} instead.", field, "invalid_type");
        }
    }

    /// <summary>The string the reader is on, or null for JSON null (after <see cref="Expect"/>).</summary>
    public static string? StringOrNull(ref Utf8JsonReader reader) => reader.TokenType == JsonTokenType.String ? reader.GetString() : null;

    private static JsonKinds Kind(JsonTokenType token) => token switch
    {
        JsonTokenType.String => JsonKinds.String,
        JsonTokenType.Number => JsonKinds.Number,
        JsonTokenType.True or JsonTokenType.False => JsonKinds.Boolean,
        JsonTokenType.StartObject => JsonKinds.Object,
        JsonTokenType.StartArray => JsonKinds.Array,
        JsonTokenType.Null => JsonKinds.Null,
        _ => JsonKinds.None,
    };

    private static string Describe(JsonKinds kinds)
    {
        var names = new List<string>(6);
        foreach (var (kind, name) in Names)
        {
            if ((kinds & kind) != 0)
            {
                names.Add(name);
            }
        }
        return names.Count switch
        {
            0 => "nothing",
            1 => names[0],
            _ => string.Join(", ", names[..^1]) + " or " + names[^1],
        };
    }

    private static readonly (JsonKinds Kind, string Name)[] Names =
    [
        (JsonKinds.String, "a string"), (JsonKinds.Number, "a number"), (JsonKinds.Boolean, "a boolean"),
        (JsonKinds.Object, "an object"), (JsonKinds.Array, "an array"), (JsonKinds.Null, "null"),
    ];
}

/// <summary>The top-level fields a door knows, with the JSON kinds each may hold; found without allocating.</summary>
public sealed class FieldTable<TField> where TField : struct, Enum
{
    private readonly FrozenDictionary<string, (TField Field, JsonKinds Kinds, string Name)>.AlternateLookup<ReadOnlySpan<char>> _byName;

    public FieldTable(IEnumerable<(string Name, TField Field, JsonKinds Kinds)> fields) =>
        _byName = fields.ToFrozenDictionary(f => f.Name, f => (f.Field, f.Kinds, f.Name), StringComparer.Ordinal).GetAlternateLookup<ReadOnlySpan<char>>();

    /// <summary>
    /// Moves to the body's next field and onto its value, refused unless of the kinds the field may hold; false at the
    /// body's end. Unknown fields come as the default field, unchecked.
    /// </summary>
    public bool Next(ref Utf8JsonReader reader, out TField field)
    {
        if (!JsonScan.Read(ref reader) || reader.TokenType != JsonTokenType.PropertyName)
        {
            field = default;
            return false;
        }
        var (known, kinds, name) = Lookup(ref reader);
        JsonScan.Read(ref reader);
        if (kinds != JsonKinds.None)
        {
            JsonScan.Expect(ref reader, name!, kinds);
        }
        field = known;
        return true;
    }

    /// <summary>The field the property name the reader is on names, or the default field (unknown: passed through unchecked).</summary>
    public (TField Field, JsonKinds Kinds, string? Name) Lookup(ref Utf8JsonReader reader)
    {
        if (reader.HasValueSequence || reader.ValueSpan.Length > 256)
        {
            return (default, JsonKinds.None, null);
        }
        Span<char> name = stackalloc char[256];
        var length = reader.CopyString(name);
        return _byName.TryGetValue(name[..length], out var known) ? known : (default, JsonKinds.None, null);
    }
}

/// <summary>The <c>model</c> field every door has: the group's name, bounded, and where it sits for the model swap.</summary>
public static class ModelField
{
    /// <summary>Group names are short; a longer <c>model</c> is refused rather than echoed or stored.</summary>
    public const int MaxLength = 256;

    public static (string Group, Range Value) Read(ref Utf8JsonReader reader)
    {
        if (reader.ValueSpan.Length > MaxLength * 6 || reader.GetString() is not { Length: <= MaxLength } model)
        {
            throw new BadRequestBodyException($"'model' is too long: it names a model group, at most {MaxLength} characters.", "model", "string_above_max_length");
        }
        return (model, new Range((int)reader.TokenStartIndex, (int)reader.BytesConsumed));
    }
}
