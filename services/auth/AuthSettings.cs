using System.Security.Cryptography;
using System.Text;
using GenAiRouter.Hosting;
using Grpc.Core;

namespace GenAiRouter.Auth;

/// <summary>The parts of the router configuration auth acts on, read once at start-up.</summary>
public sealed class AuthSettings
{
    public const string AdminKeyHeader = "x-router-admin-key";
    public static readonly TimeSpan DefaultLifetime = TimeSpan.FromDays(30);

    private readonly byte[]? _adminKeyHash;
    private readonly string _adminKeyEnv;

    public AuthSettings(IConfiguration configuration)
    {
        var config = RouterConfigFile.Load(configuration);
        Issuer = config.Issuer;
        _adminKeyEnv = config.AdminKeyEnv;
        _adminKeyHash = configuration[config.AdminKeyEnv] is { Length: > 0 } key ? Hash(key) : null;
    }

    public string Issuer { get; }

    /// <summary>Admin calls carry the admin credential; compared by hash, in constant time.</summary>
    public void RequireAdmin(ServerCallContext context)
    {
        if (_adminKeyHash is null)
        {
            throw new RpcException(new Status(StatusCode.PermissionDenied, $"admin calls are disabled: set {_adminKeyEnv} for the auth service"));
        }
        var presented = context.RequestHeaders.GetValue(AdminKeyHeader);
        if (presented is null || !CryptographicOperations.FixedTimeEquals(Hash(presented), _adminKeyHash))
        {
            throw new RpcException(new Status(StatusCode.Unauthenticated, $"admin calls need the admin credential ({_adminKeyEnv}) in {AdminKeyHeader}"));
        }
    }

    private static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));
}
