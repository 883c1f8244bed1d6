using Microsoft.Playwright;

namespace GenAiRouter.Docs.Tests;

/// <summary>
/// Headless Chromium from Debian's package (CHROMIUM_PATH overrides /usr/bin/chromium), driven by Playwright; the
/// tests that need it are skipped, saying why, where it is not installed. It is told not to reach for Google's hosts,
/// so every request it makes is one the page asked for.
/// </summary>
public sealed class Browser : IAsyncLifetime
{
    public static string? ExecutablePath =>
        Environment.GetEnvironmentVariable("CHROMIUM_PATH") is { Length: > 0 } path ? path : File.Exists("/usr/bin/chromium") ? "/usr/bin/chromium" : null;

    /// <summary>Where screenshots are kept: artifacts/docs-screenshots in the repository.</summary>
    public static string Screenshots { get; } = Path.Combine(RouterProcess.RepoRoot, "artifacts", "docs-screenshots");

    private IPlaywright? _playwright;

    public IBrowser Chromium { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        if (ExecutablePath is not { } executable)
        {
            return; // each test says why it is skipped
        }
        _playwright = await Playwright.CreateAsync();
        Chromium = await _playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = executable,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--no-first-run", "--disable-quic", "--disable-features=Translate,OptimizationHints,MediaRouter"],
        });
    }

    /// <summary>Skips the calling test, saying why, when Chromium is not installed.</summary>
    public static void Require()
    {
        if (ExecutablePath is null)
        {
            throw Xunit.Sdk.SkipException.ForSkip("Chromium is not installed (.ci/run installs Debian's chromium; CHROMIUM_PATH names another); the docs' browser test did not run");
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_playwright is not null)
        {
            await Chromium.DisposeAsync();
            _playwright.Dispose();
        }
    }
}
