using GenAiRouter.Hosting;
using Grpc.Core;

namespace GenAiRouter.Auth;

/// <summary>The parts of the router configuration auth acts on, read once at start-up.</summary>
public sealed class AuthSettings
{
    public static readonly TimeSpan DefaultLifetime = TimeSpan.FromDays(30);

    private readonly AdminCredential _admin;

    public AuthSettings(IConfiguration configuration)
    {
        var config = RouterConfigFile.Load(configuration);
        Issuer = config.Issuer;
        _admin = new AdminCredential(config.AdminKeyEnv, configuration[config.AdminKeyEnv]);
    }

    public string Issuer { get; }

    /// <summary>Admin calls carry the admin credential in the <c>x-router-admin-key</c> metadata entry.</summary>
    public void RequireAdmin(ServerCallContext context)
    {
        if (!_admin.Enabled)
        {
            throw new RpcException(new Status(StatusCode.PermissionDenied, $"admin calls are disabled: set {_admin.KeyEnv} for the auth service"));
        }
        if (!_admin.Verify(context.RequestHeaders.GetValue(AdminCredential.Header)))
        {
            throw new RpcException(new Status(StatusCode.Unauthenticated, $"admin calls need the admin credential ({_admin.KeyEnv}) in {AdminCredential.Header}"));
        }
    }
}
