using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using GenAiRouter.Contracts.V1;
using GenAiRouter.Ingress.Doors;

namespace GenAiRouter.Ingress.Caching;

/// <summary>What the cache does with one request: look it up under <see cref="Key"/>, or pass it by for <see cref="BypassReason"/>.</summary>
public sealed record CacheDecision(string? Key, string? BypassReason, TimeSpan TimeToLive, long MaxEntryBytes)
{
    public static CacheDecision Bypass(string reason) => new(null, reason, TimeSpan.Zero, 0);
}

/// <summary>
/// The response cache's rules, as pure functions. A request is cached only in a group with a cache TTL and only
/// when its answer can be reused: never with tools, images, <c>previous_response_id</c>, <c>store: true</c> or
/// <c>background: true</c>. The key is a SHA-256 of the tenant (project and env), the group and a canonical form of
/// the request, and the door it came in by (an answer in one protocol is never replayed to a caller of another), so one
/// tenant can never name another's entry and the caller's token is never part of it.
/// </summary>
public static class ResponseCachePolicy
{
    public static CacheDecision Decide(Group group, IDoor door, DoorRequest request, ReadOnlySpan<byte> body, string project, string env)
    {
        var shape = request.Shape;
        var reason =
            group.CacheTtl is null || group.CacheTtl.ToTimeSpan() <= TimeSpan.Zero ? "off" :
            shape.FunctionTools || shape.HostedTools ? "tools" :
            shape.ImageCount > 0 ? "images" :
            shape.PreviousResponseId ? "previous_response_id" :
            request.Store ? "store" :
            request.Background ? "background" :
            null;
        return reason is null
            ? new CacheDecision(Key(project, env, group.Name, door, body), null, group.CacheTtl!.ToTimeSpan(), group.CacheMaxEntryBytes)
            : CacheDecision.Bypass(reason);
    }

    /// <summary>The entry key: <c>resp:v2:</c> and the hex SHA-256 of tenant, group, door and canonical request.</summary>
    public static string Key(string project, string env, string group, IDoor door, ReadOnlySpan<byte> body)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        // Names are validated to [a-z0-9-.:], so a newline cannot occur inside one and the parts cannot run together.
        hash.AppendData(Encoding.UTF8.GetBytes($"genai-router-cache-v2\n{project}\n{env}\n{group}\n{door.Path}\n"));
        hash.AppendData(Canonical(body, door.CacheIgnoredFields));
        return "resp:v2:" + Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>
    /// The request as JSON with object members in ordinal order at every depth, insignificant whitespace gone and
    /// the ignored top-level fields left out: two requests that ask the same thing read the same.
    /// </summary>
    public static ReadOnlySpan<byte> Canonical(ReadOnlySpan<byte> body, IReadOnlySet<string> ignoredFields)
    {
        using var document = JsonDocument.Parse(body.ToArray());
        var output = new ArrayBufferWriter<byte>(body.Length);
        using (var writer = new Utf8JsonWriter(output, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            Write(writer, document.RootElement, ignoredFields);
        }
        return output.WrittenSpan;
    }

    /// <param name="ignored">The fields to leave out: a door's set at the top level, none deeper.</param>
    private static void Write(Utf8JsonWriter writer, JsonElement element, IReadOnlySet<string>? ignored)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                writer.WriteStartObject();
                foreach (var property in element.EnumerateObject().OrderBy(p => p.Name, StringComparer.Ordinal))
                {
                    if (ignored?.Contains(property.Name) == true)
                    {
                        continue;
                    }
                    writer.WritePropertyName(property.Name);
                    Write(writer, property.Value, null);
                }
                writer.WriteEndObject();
                break;
            case JsonValueKind.Array:
                writer.WriteStartArray();
                foreach (var item in element.EnumerateArray())
                {
                    Write(writer, item, null);
                }
                writer.WriteEndArray();
                break;
            default:
                element.WriteTo(writer);
                break;
        }
    }
}
