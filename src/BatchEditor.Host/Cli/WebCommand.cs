using System.CommandLine;
using BatchEditor.Host.Web;

namespace BatchEditor.Host.Cli;

/// <summary><c>web</c>: the dashboard and HTTP API alone, next to workers running elsewhere on the same database.</summary>
public static class WebCommand
{
    public static Option<string?> UrlsOption() => new("--urls")
    {
        Description = $"Where to listen, e.g. http://127.0.0.1:8080 (default: ASPNETCORE_URLS, Kestrel settings, or {WebHost.DefaultUrl}). " +
                      "Beyond loopback, Dashboard__Users must be configured.",
    };

    public static Command Create()
    {
        var urls = UrlsOption();
        var command = new Command("web", "Serve the dashboard (/dashboard), the HTTP API (/api, /openapi/v1.json), health probes and /metrics.") { urls };
        command.SetAction((parse, ct) => CommandHost.RunAsync(async () =>
        {
            await using var app = WebHost.Build(parse.GetValue(urls), withWorker: false);
            return await HostRunner.RunAsync(app, WebHost.CheckListening, ct);
        }));
        return command;
    }
}
