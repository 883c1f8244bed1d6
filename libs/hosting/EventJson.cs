using System.Text;
using Google.Protobuf;

namespace GenAiRouter.Hosting;

/// <summary>
/// Events travel as protobuf JSON with the .proto field names (snake_case, like the rest of the API), so any
/// subscriber in any language can read them.
/// </summary>
public static class EventJson
{
    private static readonly JsonFormatter Formatter = new(JsonFormatter.Settings.Default.WithFormatDefaultValues(true).WithPreserveProtoFieldNames(true));
    private static readonly JsonParser Parser = new(JsonParser.Settings.Default.WithIgnoreUnknownFields(true));

    public static byte[] Serialize(IMessage message) => Encoding.UTF8.GetBytes(Formatter.Format(message));

    public static T Parse<T>(string json) where T : IMessage<T>, new() => Parser.Parse<T>(json);
}
