using Microsoft.Playwright;

namespace BatchEditor.IntegrationTests.Infrastructure;

/// <summary>Debian's headless Chromium (or the one BATCHEDITOR_CHROMIUM names), driven by Playwright.</summary>
public static class Chromium
{
    public static Task<IBrowser> LaunchAsync(IPlaywright playwright) => playwright.Chromium.LaunchAsync(new()
    {
        ExecutablePath = Environment.GetEnvironmentVariable("BATCHEDITOR_CHROMIUM") ?? "/usr/bin/chromium",
        Headless = true,
        Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });

    /// <summary>Waits until <paramref name="count"/> images of <paramref name="selector"/> have loaded with pixels.</summary>
    public static Task WaitForImagesAsync(IPage page, string selector, int count) =>
        page.WaitForFunctionAsync(
            "([s, n]) => [...document.querySelectorAll(s)].filter(i => i.complete && i.naturalWidth > 0).length >= n",
            new object[] { selector, count }, new() { Timeout = 30_000 });
}
