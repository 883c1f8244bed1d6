namespace GenAiRouter.RouterConfig;

/// <summary>Where the standalone topology keeps its files.</summary>
public static class RouterPaths
{
    /// <summary>
    /// <c>data_dir</c> from the configuration (relative to the file's folder), else $XDG_STATE_HOME/genai-router,
    /// else ~/.local/state/genai-router.
    /// </summary>
    public static string DataDir(RouterConfig config, string configPath)
    {
        if (config.DataDir is { Length: > 0 } configured)
        {
            return Path.GetFullPath(configured, Path.GetDirectoryName(Path.GetFullPath(configPath))!);
        }
        var state = Environment.GetEnvironmentVariable("XDG_STATE_HOME") is { Length: > 0 } xdg
            ? xdg
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "state");
        return Path.Combine(state, "genai-router");
    }

    /// <summary>The admin credential `up` generates when the environment gives none (mode 0600).</summary>
    public static string AdminKeyFile(string dataDir) => Path.Combine(dataDir, "admin-key");
}
