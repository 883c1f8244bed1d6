namespace GenAiRouter.Cli;

/// <summary>Where the router's files are: the repository (or install) root and the built services.</summary>
public static class RouterHome
{
    /// <summary>The root the <c>genai-router</c> script exports as <c>ROUTER_HOME</c>, else the working directory.</summary>
    public static string Root => Environment.GetEnvironmentVariable("ROUTER_HOME") is { Length: > 0 } home ? home : Directory.GetCurrentDirectory();

    public static string DefaultConfig => Path.Combine(Root, "config", "genai-router.yaml");

    /// <summary>
    /// A service's entry assembly. Builds put every project under artifacts/bin/&lt;project&gt;/&lt;configuration&gt;,
    /// so each service sits in a sibling of this CLI's own folder, under the same configuration name.
    /// </summary>
    public static string ServiceAssembly(string appId)
    {
        var own = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var project = "GenAiRouter." + char.ToUpperInvariant(appId[0]) + appId[1..];
        return Path.Combine(own.Parent!.Parent!.FullName, project, own.Name, project + ".dll");
    }
}
