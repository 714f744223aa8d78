using BatchEditor.Engine;
using BatchEditor.Host.Telemetry;
using BatchEditor.Host.Web.Auth;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;

namespace BatchEditor.Host.Web;

/// <summary>
/// The host that serves the dashboard: alone (<c>batch-editor web</c>) or with a worker in the same process
/// (<c>worker --dashboard</c>). Addresses come from where ASP.NET Core users expect them: <c>--urls</c>,
/// <c>ASPNETCORE_URLS</c>, or <c>Kestrel:Endpoints</c> settings; with none of them, <see cref="DefaultUrl"/> on loopback.
/// </summary>
public static class WebHost
{
    public const string DefaultUrl = "http://127.0.0.1:5080";

    /// <param name="configure">Runs first, before anything reads the configuration: tests add their settings and a TestServer.</param>
    public static WebApplication Build(string? urls, bool withWorker, Action<WorkerOptions>? workerOverrides = null, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory, Args = [] });
        configure?.Invoke(builder);
        var listen = !string.IsNullOrWhiteSpace(urls) ? Split(urls)
            : builder.Configuration["urls"] is { Length: > 0 } configured ? Split(configured)
            : builder.Configuration.GetSection("Kestrel:Endpoints").GetChildren().Select(e => e["Url"]).OfType<string>().ToArray() is { Length: > 0 } endpoints ? endpoints
            : [DefaultUrl];
        if (!string.IsNullOrWhiteSpace(urls) || (builder.Configuration["urls"] is null && !builder.Configuration.GetSection("Kestrel:Endpoints").Exists()))
            builder.WebHost.UseUrls(listen);
        AllowedHosts.Configure(builder.Configuration, listen);
        // Who is local is decided from each connection's own address, recorded before anything can rewrite it.
        builder.WebHost.ConfigureKestrel(k => k.ConfigureEndpointDefaults(LocalTrust.RecordSocketAddress));
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.EntityFrameworkCore", LogLevel.Warning);
        // The key ring lives in the database (DatabaseKeyRing), unencrypted like the database's other contents: the
        // warning ASP.NET Core logs for that on every new key says nothing an operator can act on.
        builder.Logging.AddFilter("Microsoft.AspNetCore.DataProtection.KeyManagement.XmlKeyManager", LogLevel.Error);
        builder.Services.AddBatchEditorCore(builder.Configuration);
        if (withWorker) builder.Services.AddBatchEditorWorker(builder.Configuration, workerOverrides);
        builder.Services.AddBatchEditorWeb(builder.Configuration, runsJobs: withWorker);
        builder.Services.AddBatchEditorTelemetry(builder.Configuration, web: true);
        var app = builder.Build();
        app.MapBatchEditorWeb();
        return app;
    }

    private static string[] Split(string urls) => urls.Split([';', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>After start: refuses an open address without users, then says where the dashboard is.</summary>
    public static string? CheckListening(IHost host)
    {
        var server = host.Services.GetRequiredService<IServer>();
        if (ListenGuard.Problem(server, host.Services.GetRequiredService<IOptions<DashboardOptions>>(), host.Services.GetRequiredService<LocalTrust>()) is { } problem)
            return problem;
        foreach (var address in server.Features.Get<IServerAddressesFeature>()?.Addresses ?? [])
            Console.WriteLine($"Dashboard: {address.TrimEnd('/')}/dashboard");
        return null;
    }
}
