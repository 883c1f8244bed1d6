using System.CommandLine;
using System.Security.Cryptography;
using GenAiRouter.RouterConfig;

namespace GenAiRouter.Cli;

/// <summary>The configuration a command works with, the local data directory and the admin credential.</summary>
public sealed class RouterSetup
{
    private RouterSetup(string configPath, RouterConfig.RouterConfig config)
    {
        ConfigPath = configPath;
        Config = config;
        DataDir = RouterPaths.DataDir(config, configPath);
    }

    public string ConfigPath { get; }

    public RouterConfig.RouterConfig Config { get; }

    public string DataDir { get; }

    public static Option<FileInfo> ConfigOption() => new("--config") { Description = "Router configuration file (default: config/genai-router.yaml)" };

    public static Option<int> PortOption() => new("--port")
    {
        Description = "Ingress port of the local router; the services use it and the next 9 ports",
        DefaultValueFactory = _ => 8080,
    };

    /// <summary>Loads the configuration, or prints why it cannot be used and returns null.</summary>
    public static RouterSetup? Load(FileInfo? configFile)
    {
        var path = configFile?.FullName ?? RouterHome.DefaultConfig;
        try
        {
            return new RouterSetup(path, RouterConfigLoader.Load(path));
        }
        catch (RouterConfigException e)
        {
            Console.Error.WriteLine($"genai-router: error: {e.Message}");
            return null;
        }
    }

    /// <summary>The admin credential: the environment variable the configuration names, else the local key file.</summary>
    public string? AdminKey() =>
        Environment.GetEnvironmentVariable(Config.AdminKeyEnv) is { Length: > 0 } key ? key
        : File.Exists(RouterPaths.AdminKeyFile(DataDir)) ? File.ReadAllText(RouterPaths.AdminKeyFile(DataDir)).Trim()
        : null;

    /// <summary>For `up`: the admin credential, generating a local one (readable by this user only) on first use.</summary>
    public string EnsureAdminKey()
    {
        if (AdminKey() is { } existing)
        {
            return existing;
        }
        Directory.CreateDirectory(DataDir);
        var key = "rtradm_" + RandomNumberGenerator.GetHexString(48, lowercase: true);
        var path = RouterPaths.AdminKeyFile(DataDir);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }
        using (var writer = new StreamWriter(new FileStream(path, options)))
        {
            writer.Write(key);
        }
        return key;
    }
}
