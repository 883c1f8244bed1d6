using System.Buffers;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text.Json;
using GenAiRouter.Contracts.V1;

namespace GenAiRouter.Ingress.Doors;

/// <summary>
/// What a caller token may use, as one document that OpenAI's SDKs read (<c>object</c>, <c>data</c>) and Codex reads
/// through <c>model_catalog_url</c> (<c>models</c>): exactly the token's groups; reasoning levels only where the group
/// has them and the token is granted them; the group's context window and Codex prompt. The document and its ETag are
/// made once per caller and catalog version, so every answer can carry the ETag (<c>X-Models-Etag</c>) at no cost.
/// </summary>
public sealed class ModelCatalog
{
    // Codex's truncation of tool output kept in its history; a conservative, model-independent budget.
    private const int ToolOutputTokens = 10_000;

    private readonly ConditionalWeakTable<Caller, View> _views = [];

    /// <summary>The caller's document and its ETag (a strong, quoted validator; Codex compares it verbatim).</summary>
    public (byte[] Document, string ETag) For(Caller caller, CatalogSnapshot snapshot)
    {
        if (_views.TryGetValue(caller, out var view) && ReferenceEquals(view.Snapshot, snapshot))
        {
            return (view.Document, view.ETag);
        }
        var document = Document(caller, snapshot);
        var etag = $"\"{Convert.ToHexStringLower(SHA256.HashData(document).AsSpan(0, 16))}\"";
        _views.AddOrUpdate(caller, new View(snapshot, document, etag));
        return (document, etag);
    }

    public static byte[] Document(Caller caller, CatalogSnapshot snapshot)
    {
        var groups = new List<(Group Group, ReasoningLevels? Reasoning)>();
        foreach (var group in snapshot.Groups)
        {
            if (caller.Grants.FirstOrDefault(g => g.Group == group.Name) is { } grant)
            {
                groups.Add((group, grant.Reasoning && group.Reasoning is { Levels.Count: > 0 } levels ? levels : null));
            }
        }
        var buffer = new ArrayBufferWriter<byte>(4096);
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteString("object", "list");
            json.WriteStartArray("data");
            foreach (var (group, reasoning) in groups)
            {
                json.WriteStartObject();
                json.WriteString("id", group.Name);
                json.WriteString("object", "model");
                json.WriteNumber("created", 0);
                json.WriteString("owned_by", snapshot.Issuer);
                json.WriteString("description", group.Description);
                WriteReasoning(json, reasoning);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteStartArray("models");
            for (var i = 0; i < groups.Count; i++)
            {
                WriteCodexEntry(json, groups[i].Group, groups[i].Reasoning, priority: i + 1);
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>One entry as Codex's catalog defines it; every field it requires is present.</summary>
    private static void WriteCodexEntry(Utf8JsonWriter json, Group group, ReasoningLevels? reasoning, int priority)
    {
        json.WriteStartObject();
        json.WriteString("slug", group.Name);
        json.WriteString("display_name", group.Name);
        json.WriteString("description", group.Description);
        WriteReasoning(json, reasoning, always: true);
        // Without granted levels Codex should ask for no reasoning summary either.
        json.WriteString("default_reasoning_summary", reasoning is null ? "none" : "auto");
        json.WriteString("shell_type", "shell_command");
        json.WriteString("visibility", "list");
        json.WriteBoolean("supported_in_api", true);
        json.WriteNumber("priority", priority);
        json.WriteString("base_instructions", group.Instructions);
        json.WriteBoolean("support_verbosity", false);
        json.WriteStartObject("truncation_policy");
        json.WriteString("mode", "tokens");
        json.WriteNumber("limit", ToolOutputTokens);
        json.WriteEndObject();
        json.WriteStartArray("experimental_supported_tools");
        json.WriteEndArray();
        if (group.ContextWindow > 0)
        {
            json.WriteNumber("context_window", group.ContextWindow);
        }
        json.WriteStartArray("input_modalities");
        json.WriteStringValue("text");
        if (group.Targets.Any(t => t.Capabilities.Contains(Capability.Images)))
        {
            json.WriteStringValue("image");
        }
        json.WriteEndArray();
        json.WriteEndObject();
    }

    private static void WriteReasoning(Utf8JsonWriter json, ReasoningLevels? reasoning, bool always = false)
    {
        if (reasoning is null && !always)
        {
            return;
        }
        json.WriteStartArray("supported_reasoning_levels");
        foreach (var level in reasoning?.Levels ?? [])
        {
            json.WriteStartObject();
            json.WriteString("effort", level);
            json.WriteString("description", $"{level} reasoning effort");
            json.WriteEndObject();
        }
        json.WriteEndArray();
        if (reasoning is not null)
        {
            json.WriteString("default_reasoning_level", string.IsNullOrEmpty(reasoning.DefaultLevel) ? reasoning.Levels[0] : reasoning.DefaultLevel);
        }
    }

    private sealed record View(CatalogSnapshot Snapshot, byte[] Document, string ETag);
}
