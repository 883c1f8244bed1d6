using System.Text.Json;

namespace GenAiRouter.Ingress.Doors;

/// <summary>The request as a target gets it: the group name replaced by the target's model name, the rest byte for byte.</summary>
public static class ModelSwap
{
    /// <summary>The swap as one edit among others (<see cref="BodyEdit.Apply"/>).</summary>
    public static BodyEdit Edit(int bodyLength, Range modelValue, string upstreamModel)
    {
        var (start, length) = modelValue.GetOffsetAndLength(bodyLength);
        var encoded = JsonEncodedText.Encode(upstreamModel).EncodedUtf8Bytes;
        var quoted = new byte[encoded.Length + 2];
        quoted[0] = quoted[^1] = (byte)'"';
        encoded.CopyTo(quoted.AsSpan(1));
        return new BodyEdit(start, length, quoted);
    }

    public static byte[] Apply(ReadOnlySpan<byte> body, Range modelValue, string upstreamModel)
    {
        var (start, length) = modelValue.GetOffsetAndLength(body.Length);
        var encoded = JsonEncodedText.Encode(upstreamModel).EncodedUtf8Bytes;
        var result = new byte[body.Length - length + encoded.Length + 2];
        body[..start].CopyTo(result);
        result[start] = (byte)'"';
        encoded.CopyTo(result.AsSpan(start + 1));
        result[start + 1 + encoded.Length] = (byte)'"';
        body[(start + length)..].CopyTo(result.AsSpan(start + encoded.Length + 2));
        return result;
    }
}
