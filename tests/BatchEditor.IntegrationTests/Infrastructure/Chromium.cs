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
}
