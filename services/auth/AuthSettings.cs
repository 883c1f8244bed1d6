using GenAiRouter.Hosting;

namespace GenAiRouter.Auth;

/// <summary>The parts of the router configuration auth acts on, read once at start-up.</summary>
public sealed class AuthSettings(string issuer)
{
    public static readonly TimeSpan DefaultLifetime = TimeSpan.FromDays(30);

    public string Issuer { get; } = issuer;

    /// <summary>The issuer, and the admin credential the admin API is guarded by (the access control checks it).</summary>
    public static void Add(IHostApplicationBuilder builder)
    {
        var config = RouterConfigFile.Load(builder.Configuration);
        builder.Services.AddSingleton(new AuthSettings(config.Issuer));
        builder.Services.AddSingleton(new AdminCredential(config.AdminKeyEnv, builder.Configuration[config.AdminKeyEnv]));
    }
}
