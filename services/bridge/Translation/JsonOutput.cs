using System.Text.Encodings.Web;
using System.Text.Json;

namespace GenAiRouter.Bridge.Translation;

/// <summary>
/// How the bridge writes JSON: minimal escaping (quotes as \", not \u0022; non-ASCII as is). The output goes to
/// API clients and model servers, never into HTML, so the HTML-safe default only costs bytes.
/// </summary>
internal static class JsonOutput
{
    public static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
}
