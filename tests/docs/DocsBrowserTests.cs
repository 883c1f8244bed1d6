using Microsoft.Playwright;

namespace GenAiRouter.Docs.Tests;

/// <summary>
/// The docs in headless Chromium, as a developer reads them: every page without a console error or a request to
/// another host, at phone and desktop widths (screenshots kept in artifacts/docs-screenshots), with this router's
/// address in the examples also behind a prefixing proxy and without JavaScript, the token box, copy buttons, search,
/// and the Codex one-shot copied from the page and run.
/// </summary>
[Collection(DocsSuite.Name)]
public sealed class DocsBrowserTests(DocsRouter docs, Browser browser)
{
    public static TheoryData<string> Pages => new(DocsRouter.PagePaths);

    [Theory]
    [MemberData(nameof(Pages))]
    public async Task Every_page_loads_cleanly_at_phone_and_desktop_widths_and_shows_this_routers_address(string path)
    {
        Browser.Require();
        foreach (var (width, height, name) in new[] { (390, 844, "phone"), (1280, 900, "desktop") })
        {
            await using var context = await browser.Chromium.NewContextAsync(new() { ViewportSize = new() { Width = width, Height = height } });
            var page = await context.NewPageAsync();
            var problems = Watch(page, docs.Root);

            await page.GotoAsync(docs.Root + path, new() { WaitUntil = WaitUntilState.NetworkIdle });

            Assert.Empty(problems);
            Assert.Equal(docs.Root, await AddressShownAsync(page));
            // Nothing wider than the screen but code and tables, which scroll inside themselves.
            Assert.True(await page.EvaluateAsync<bool>("document.documentElement.scrollWidth <= window.innerWidth"), $"{path} is wider than a {width}px screen");
            Directory.CreateDirectory(Browser.Screenshots);
            var file = Path.Combine(Browser.Screenshots, $"{(path == "/" ? "index" : path["/docs/".Length..])}-{name}.png");
            await page.ScreenshotAsync(new() { Path = file, FullPage = true });
            Assert.True(new FileInfo(file).Length > 0);
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Behind_a_proxy_under_a_prefix_the_examples_show_the_prefixed_address_with_or_without_javascript(bool javaScript)
    {
        Browser.Require();
        await using var context = await browser.Chromium.NewContextAsync(new() { JavaScriptEnabled = javaScript });
        var page = await context.NewPageAsync();
        var problems = Watch(page, $"http://localhost:{docs.Proxy.Port}");

        foreach (var path in new[] { "/", "/docs/codex", "/docs/clients" })
        {
            await page.GotoAsync(docs.ProxiedRoot + path, new() { WaitUntil = WaitUntilState.NetworkIdle });

            Assert.Equal(docs.ProxiedRoot, await AddressShownAsync(page));
            Assert.Empty(problems);
        }
        // The navigation stays under the prefix.
        await page.ClickAsync("nav.pages >> text=API reference");
        Assert.Equal(docs.ProxiedRoot + "/docs/api", page.Url);
        Assert.Contains($"{docs.ProxiedRoot}/v1", await page.InnerTextAsync("footer"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_token_box_lists_exactly_the_tokens_groups_and_levels_fills_the_examples_and_keeps_nothing()
    {
        Browser.Require();
        await using var context = await browser.Chromium.NewContextAsync();
        var page = await context.NewPageAsync();
        var problems = Watch(page, docs.Root);
        var modelRequests = new List<IRequest>();
        page.Request += (_, request) =>
        {
            if (request.Url.Contains("/v1/models", StringComparison.Ordinal))
            {
                modelRequests.Add(request);
            }
        };
        await page.GotoAsync(docs.Root + "/docs/models", new() { WaitUntil = WaitUntilState.NetworkIdle });

        await page.FillAsync("#token", "rtr_metrum_nobody_x_dev_abcdefghij_notARealSecret0000000000000000000000");
        await page.ClickAsync(".token-box button");
        await page.WaitForSelectorAsync(".token-box .status.bad");
        Assert.Contains("caller token", await page.InnerTextAsync(".token-box .status"), StringComparison.Ordinal);

        await page.FillAsync("#token", docs.Token);
        await page.ClickAsync(".token-box button");
        await page.WaitForSelectorAsync("#my-models");

        var rows = await page.Locator("#my-models tbody tr").AllAsync();
        var groups = new Dictionary<string, string>();
        foreach (var row in rows)
        {
            var cells = await row.Locator("td").AllInnerTextsAsync();
            groups[cells[0]] = cells[2];
        }
        Assert.Equal(new Dictionary<string, string> { ["big-coder"] = "low, medium, high", ["vision"] = "none" }, groups);
        Assert.Equal(["big-coder"], (await page.Locator(".router-group").AllInnerTextsAsync()).Distinct());

        await page.SelectOptionAsync("#group", "vision");
        Assert.Equal(["vision"], (await page.Locator(".router-group").AllInnerTextsAsync()).Distinct());
        Assert.Contains("\"model\": \"metrum/vision\"", await page.InnerTextAsync("#snippet-opencode"), StringComparison.Ordinal);

        // The token went only to this router's /v1/models, in a header; it is in no URL, no storage and no cookie.
        Assert.Equal(2, modelRequests.Count);
        Assert.All(modelRequests, r => Assert.Equal(docs.Root + "/v1/models", r.Url));
        Assert.Equal("Bearer " + docs.Token, (await modelRequests[^1].AllHeadersAsync())["authorization"]);
        Assert.DoesNotContain(docs.Token, page.Url, StringComparison.Ordinal);
        Assert.Equal(0, await page.EvaluateAsync<int>("localStorage.length + sessionStorage.length"));
        Assert.Empty(await context.CookiesAsync());
        Assert.DoesNotContain(problems, p => !p.Contains("401", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Copy_buttons_copy_the_code_as_shown()
    {
        Browser.Require();
        await using var context = await browser.Chromium.NewContextAsync();
        await context.GrantPermissionsAsync(["clipboard-read", "clipboard-write"], new() { Origin = docs.Root });
        var page = await context.NewPageAsync();
        await page.GotoAsync(docs.Root + "/docs/codex", new() { WaitUntil = WaitUntilState.NetworkIdle });

        var copied = await CopySnippetAsync(page, "#snippet-codex-exec");

        Assert.Equal((await page.InnerTextAsync("#snippet-codex-exec")).TrimEnd('\n'), copied);
        Assert.StartsWith("codex exec --ignore-user-config", copied, StringComparison.Ordinal);
        Assert.Contains($"base_url=\"{docs.Root}/v1\"", copied, StringComparison.Ordinal);
        Assert.Equal("Copied", await page.InnerTextAsync("#snippet-codex-exec >> xpath=../.. >> button.copy"));
    }

    [Fact]
    public async Task Search_finds_a_section_on_another_page_and_goes_there()
    {
        Browser.Require();
        await using var context = await browser.Chromium.NewContextAsync();
        var page = await context.NewPageAsync();
        await page.GotoAsync(docs.Root + "/", new() { WaitUntil = WaitUntilState.NetworkIdle });

        await page.FillAsync("#search", "qwen OPENAI_BASE_URL");
        await page.WaitForSelectorAsync("#search-results a");
        await page.ClickAsync("#search-results a >> nth=0");

        await page.WaitForURLAsync(docs.Root + "/docs/clients#qwen-code");
    }

    [Fact]
    public async Task Dark_mode_follows_the_readers_system()
    {
        Browser.Require();
        var backgrounds = new List<string>();
        foreach (var scheme in new[] { ColorScheme.Light, ColorScheme.Dark })
        {
            await using var context = await browser.Chromium.NewContextAsync(new() { ColorScheme = scheme });
            var page = await context.NewPageAsync();
            await page.GotoAsync(docs.Root + "/", new() { WaitUntil = WaitUntilState.NetworkIdle });
            backgrounds.Add(await page.EvaluateAsync<string>("getComputedStyle(document.body).backgroundColor"));
        }
        Assert.Equal(["rgb(255, 255, 255)", "rgb(18, 21, 28)"], backgrounds);
    }

    [Fact]
    public async Task The_codex_one_shot_copied_from_the_page_runs_as_is_against_the_router()
    {
        Browser.Require();
        var codex = CodexCli.Require();
        await using var context = await browser.Chromium.NewContextAsync();
        await context.GrantPermissionsAsync(["clipboard-read", "clipboard-write"], new() { Origin = docs.Root });
        var page = await context.NewPageAsync();
        await page.GotoAsync(docs.Root + "/docs/codex", new() { WaitUntil = WaitUntilState.NetworkIdle });
        var command = await CopySnippetAsync(page, "#snippet-codex-exec");
        var workdir = Directory.CreateTempSubdirectory("docs-codex-").FullName;

        var run = await NpmClients.RunAsync("/bin/bash", ["-c", command], new Dictionary<string, string>
        {
            ["ROUTER_TOKEN"] = docs.Token,
            ["PATH"] = Path.GetDirectoryName(codex) + ":" + Environment.GetEnvironmentVariable("PATH"),
        }, workdir, TimeSpan.FromMinutes(2));

        Assert.True(run.ExitCode == 0, run.Stderr);
        Assert.Contains("router codex ok", run.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("fallback metadata", run.Stderr, StringComparison.Ordinal);
        Directory.Delete(workdir, recursive: true);
    }

    /// <summary>Clicks a code block's copy button and reads the clipboard.</summary>
    private static async Task<string> CopySnippetAsync(IPage page, string code)
    {
        await page.ClickAsync($"{code} >> xpath=../.. >> button.copy");
        await page.WaitForFunctionAsync("selector => document.querySelector(selector).closest('.code').querySelector('button.copy').textContent === 'Copied'", code);
        return await page.EvaluateAsync<string>("navigator.clipboard.readText()");
    }

    /// <summary>The router address every example on the page shows; fails when they differ.</summary>
    private static async Task<string> AddressShownAsync(IPage page)
    {
        var shown = (await page.Locator(".router-url").AllInnerTextsAsync()).Distinct().ToList();
        Assert.Single(shown);
        return shown[0];
    }

    /// <summary>Console errors, failed requests and any request to a host other than <paramref name="origin"/>.</summary>
    private static List<string> Watch(IPage page, string origin)
    {
        var problems = new List<string>();
        page.Console += (_, message) =>
        {
            if (message.Type is "error" or "warning")
            {
                problems.Add($"console {message.Type}: {message.Text}");
            }
        };
        page.PageError += (_, error) => problems.Add("page error: " + error);
        page.Request += (_, request) =>
        {
            if (!request.Url.StartsWith(origin + "/", StringComparison.Ordinal))
            {
                problems.Add("request to another host: " + request.Url);
            }
        };
        page.RequestFailed += (_, request) => problems.Add($"request failed: {request.Url} {request.Failure}");
        return problems;
    }
}
