using System.Reflection;

namespace GenAiRouter.Hosting;

/// <summary>The router's release (Directory.Build.props), with the commit it was built from when the build knew it.</summary>
public static class RouterVersion
{
    public static string Text { get; } =
        typeof(RouterVersion).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";
}
