using System.Text;
using Google.Protobuf;

namespace GenAiRouter.Hosting;

/// <summary>Events travel as protobuf's canonical JSON, so any subscriber in any language can read them.</summary>
public static class EventJson
{
    private static readonly JsonFormatter Formatter = new(JsonFormatter.Settings.Default.WithFormatDefaultValues(true));
    private static readonly JsonParser Parser = new(JsonParser.Settings.Default.WithIgnoreUnknownFields(true));

    public static byte[] Serialize(IMessage message) => Encoding.UTF8.GetBytes(Formatter.Format(message));

    public static T Parse<T>(string json) where T : IMessage<T>, new() => Parser.Parse<T>(json);
}
