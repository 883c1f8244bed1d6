using System.Security.Cryptography;
using System.Text.RegularExpressions;
using GenAiRouter.Contracts.V1;

namespace GenAiRouter.Auth;

/// <summary>
/// A caller token, <c>rtr_&lt;issuer&gt;_&lt;user&gt;_&lt;project&gt;_&lt;env&gt;_&lt;keyid&gt;_&lt;secret&gt;</c>. Names are
/// lowercase <c>[a-z0-9-]</c>; the key id is 10 lowercase letters and digits; the secret is 43 base62
/// characters (256 random bits). Only a hash of the secret is ever stored.
/// </summary>
public sealed partial record CallerToken(string Issuer, string User, string Project, string Env, string KeyId, string Secret)
{
    public const int MaxLength = 256;
    private const string Prefix = "rtr";
    private const int KeyIdLength = 10;
    private const int SecretLength = 43;
    private const string Base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    public override string ToString() => $"{Prefix}_{Issuer}_{User}_{Project}_{Env}_{KeyId}_{Secret}";

    /// <summary>Reads a token; any deviation from the format is <see cref="TokenRejection.Malformed"/>.</summary>
    public static bool TryParse(string? text, out CallerToken token)
    {
        token = null!;
        if (string.IsNullOrEmpty(text) || text.Length > MaxLength)
        {
            return false;
        }
        var parts = text.Split('_');
        if (parts.Length != 7 || parts[0] != Prefix
            || !IsName(parts[1]) || !IsName(parts[2]) || !IsName(parts[3]) || !IsName(parts[4])
            || !KeyIdPattern().IsMatch(parts[5]) || !SecretPattern().IsMatch(parts[6]))
        {
            return false;
        }
        token = new CallerToken(parts[1], parts[2], parts[3], parts[4], parts[5], parts[6]);
        return true;
    }

    /// <summary>A new token with a random key id and secret.</summary>
    public static CallerToken Issue(string issuer, string user, string project, string env) =>
        new(issuer, user, project, env, Random("0123456789abcdefghijklmnopqrstuvwxyz", KeyIdLength), Random(Base62, SecretLength));

    public static bool IsName(string value) => NamePattern().IsMatch(value);

    /// <summary>SHA-256 of the secret: the secret is 256 random bits, so a slow password hash adds nothing.</summary>
    public byte[] SecretHash() => SHA256.HashData(System.Text.Encoding.ASCII.GetBytes(Secret));

    private static string Random(string alphabet, int length) => RandomNumberGenerator.GetString(alphabet, length);

    [GeneratedRegex("^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")]
    private static partial Regex NamePattern();

    [GeneratedRegex("^[a-z0-9]{10}$")]
    private static partial Regex KeyIdPattern();

    [GeneratedRegex("^[0-9A-Za-z]{43}$")]
    private static partial Regex SecretPattern();
}
