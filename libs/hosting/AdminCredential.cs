using System.Security.Cryptography;
using System.Text;

namespace GenAiRouter.Hosting;

/// <summary>
/// The admin credential (token issue/list/revoke, usage export): the value of the environment variable the router
/// configuration names in <c>admin_key_env</c>. Compared by hash in constant time; never logged.
/// </summary>
public sealed class AdminCredential
{
    public const string Header = "x-router-admin-key";

    private readonly byte[]? _hash;

    public AdminCredential(string keyEnv, string? key)
    {
        KeyEnv = keyEnv;
        _hash = string.IsNullOrEmpty(key) ? null : Hash(key);
    }

    /// <summary>The variable's name, for messages telling an operator what to set.</summary>
    public string KeyEnv { get; }

    /// <summary>False when no credential is configured: admin calls are then refused, never open.</summary>
    public bool Enabled => _hash is not null;

    public bool Verify(string? presented) =>
        _hash is not null && presented is not null && CryptographicOperations.FixedTimeEquals(Hash(presented), _hash);

    private static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));
}
