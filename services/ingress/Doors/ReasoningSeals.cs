using System.Buffers;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using GenAiRouter.Contracts.V1;

namespace GenAiRouter.Ingress.Doors;

/// <summary>
/// An item of the request carrying encrypted reasoning (Responses' <c>encrypted_content</c>): where it sits in the
/// body, its neighbours (to take it out cleanly), where its value is, and the boundary that sealed it (null when no
/// router sealed it).
/// </summary>
public sealed record SealedItem(int Start, int End, int PreviousEnd, int NextStart, int ValueStart, int ValueLength, string? Boundary);

/// <summary>A splice of the request body on its way to a target: <see cref="Length"/> bytes at <see cref="Start"/> become <see cref="Replacement"/>.</summary>
public readonly record struct BodyEdit(int Start, int Length, ReadOnlyMemory<byte> Replacement)
{
    /// <summary>The body with the edits applied (in order, not overlapping), copied once.</summary>
    public static byte[] Apply(ReadOnlySpan<byte> body, List<BodyEdit> edits)
    {
        edits.Sort((a, b) => a.Start.CompareTo(b.Start));
        var result = new byte[body.Length + edits.Sum(e => e.Replacement.Length - e.Length)];
        int from = 0, to = 0;
        foreach (var edit in edits)
        {
            body[from..edit.Start].CopyTo(result.AsSpan(to));
            to += edit.Start - from;
            edit.Replacement.Span.CopyTo(result.AsSpan(to));
            to += edit.Replacement.Length;
            from = edit.Start + edit.Length;
        }
        body[from..].CopyTo(result.AsSpan(to));
        return result;
    }
}

/// <summary>
/// Encrypted reasoning can be read only by the upstream account that made it (its boundary). The router stays
/// stateless by sealing: every encrypted value a target sends is prefixed with its boundary's tag
/// (<c>rtr1:&lt;12 hex&gt;:</c>, a hash of the boundary name, nothing secret). When a later turn comes back, values of the
/// target's own boundary are unsealed and sent; items sealed by another boundary are left out, so foreign reasoning
/// never reaches a target (after a failover, or across a group of several accounts). Values no router sealed are sent
/// as they are.
/// </summary>
public static class ReasoningSeals
{
    public const string Prefix = "rtr1:";
    public const int TagLength = 5 + 12 + 1;

    private static readonly ConditionalWeakTable<Target, byte[]> Tags = [];

    /// <summary>The tag of the target's boundary, <c>rtr1:&lt;12 hex&gt;:</c>.</summary>
    public static ReadOnlyMemory<byte> TagOf(Target target) =>
        Tags.GetValue(target, static t => Encoding.ASCII.GetBytes(
            $"{Prefix}{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(t.ReasoningBoundary.Length > 0 ? t.ReasoningBoundary : $"{t.BaseUrl}|{t.ApiKeyEnv}")).AsSpan(0, 6))}:"));

    /// <summary>The boundary id of a sealed value (the 12 hex of its tag), or null when it carries no tag.</summary>
    public static string? BoundaryOf(ReadOnlySpan<byte> value) =>
        value.Length >= TagLength && value.StartsWith("rtr1:"u8) && value[TagLength - 1] == (byte)':' ? Encoding.ASCII.GetString(value.Slice(5, 12)) : null;

    /// <summary>
    /// The edits that make a request fit for <paramref name="target"/>: its own sealed values unsealed, items sealed by
    /// another boundary taken out (runs of them at once, with their separators).
    /// </summary>
    public static int Unseal(IReadOnlyList<SealedItem> items, Target target, List<BodyEdit> edits)
    {
        var own = Encoding.ASCII.GetString(TagOf(target).Span.Slice(5, 12));
        var dropped = 0;
        for (var i = 0; i < items.Count; i++)
        {
            var item = items[i];
            if (item.Boundary is null)
            {
                continue;
            }
            if (item.Boundary == own)
            {
                edits.Add(new BodyEdit(item.ValueStart, TagLength, ReadOnlyMemory<byte>.Empty));
                continue;
            }
            // A run of foreign items that follow each other in the array goes out as one cut.
            var last = i;
            while (last + 1 < items.Count && items[last + 1].Boundary is { } next && next != own && items[last].NextStart == items[last + 1].Start)
            {
                last++;
            }
            var first = items[i];
            var end = items[last];
            edits.Add(first.PreviousEnd >= 0
                ? new BodyEdit(first.PreviousEnd, end.End - first.PreviousEnd, ReadOnlyMemory<byte>.Empty)
                : end.NextStart >= 0
                    ? new BodyEdit(first.Start, end.NextStart - first.Start, ReadOnlyMemory<byte>.Empty)
                    : new BodyEdit(first.Start, end.End - first.Start, ReadOnlyMemory<byte>.Empty));
            dropped += last - i + 1;
            i = last;
        }
        return dropped;
    }

    /// <summary>A whole answer with every value of <paramref name="field"/> sealed; null when it has none.</summary>
    public static byte[]? Seal(ReadOnlySpan<byte> answer, ReadOnlySpan<byte> field, ReadOnlySpan<byte> tag)
    {
        List<int>? at = null;
        var offset = 0;
        while (ValueStart(answer[offset..], field) is { } found)
        {
            (at ??= []).Add(offset + found);
            offset += found;
        }
        return at is null ? null : Insert(answer, at, tag);
    }

    /// <summary>The answer with <paramref name="tag"/> put before each value starting at <paramref name="at"/> (ascending).</summary>
    public static byte[] Insert(ReadOnlySpan<byte> answer, List<int> at, ReadOnlySpan<byte> tag)
    {
        var sealedAnswer = new byte[answer.Length + (at.Count * tag.Length)];
        int from = 0, to = 0;
        foreach (var position in at)
        {
            answer[from..position].CopyTo(sealedAnswer.AsSpan(to));
            to += position - from;
            tag.CopyTo(sealedAnswer.AsSpan(to));
            to += tag.Length;
            from = position;
        }
        answer[from..].CopyTo(sealedAnswer.AsSpan(to));
        return sealedAnswer;
    }

    /// <summary>Where the string value of the next <c>"field":</c> begins (after its opening quote), or null.</summary>
    public static int? ValueStart(ReadOnlySpan<byte> json, ReadOnlySpan<byte> field)
    {
        var offset = 0;
        while (true)
        {
            var key = json[offset..].IndexOf(field);
            if (key < 0)
            {
                return null;
            }
            var at = offset + key;
            offset = at + field.Length;
            // "field" exactly: quoted on both sides.
            if (at == 0 || json[at - 1] != (byte)'"' || offset >= json.Length || json[offset] != (byte)'"')
            {
                continue;
            }
            var rest = json[(offset + 1)..].TrimStart(" \t\r\n"u8);
            if (rest.IsEmpty || rest[0] != (byte)':')
            {
                continue;
            }
            rest = rest[1..].TrimStart(" \t\r\n"u8);
            if (!rest.IsEmpty && rest[0] == (byte)'"')
            {
                return json.Length - rest.Length + 1;
            }
        }
    }

    /// <summary>Seals every value of <paramref name="field"/> in an answer with the target's boundary tag.</summary>
    public sealed class Sealer(ReadOnlyMemory<byte> sealedField, ReadOnlyMemory<byte> tag) : AnswerRewriter
    {
        protected override bool Touches(ReadOnlySpan<byte> bytes) => bytes.IndexOf(sealedField.Span) >= 0;

        protected override byte[]? RewriteLines(ReadOnlySpan<byte> lines) => Seal(lines, sealedField.Span, tag.Span);

        public override byte[]? RewriteWhole(ReadOnlySpan<byte> answer) => Seal(answer, sealedField.Span, tag.Span);
    }
}
