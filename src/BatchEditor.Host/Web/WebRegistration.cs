using BatchEditor.ReadModel;
using System.Text.Json;
using System.Text.Json.Serialization;
using BatchEditor.Host.Web.Api;
using BatchEditor.Host.Web.Auth;
using BatchEditor.Host.Web.Health;
using BatchEditor.Telemetry;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace BatchEditor.Host.Web;

/// <summary>The dashboard, the HTTP API, health probes and metrics: one registration and one mapping.</summary>
public static class WebRegistration
{
    /// <summary>Actions (anything that changes an item, a provider or a schedule) need the Operator role; Viewers only read.</summary>
    public const string OperatePolicy = "operate";

    public static IServiceCollection AddBatchEditorWeb(this IServiceCollection services, IConfiguration configuration, bool runsJobs)
    {
        services.AddOptions<DashboardOptions>().Bind(configuration.GetSection("Dashboard")).ValidateDataAnnotations()
            // Data annotations do not reach into list items: each user is validated against its own attributes here.
            .Validate(o => o.Users.All(u => System.ComponentModel.DataAnnotations.Validator.TryValidateObject(u, new(u), null, validateAllProperties: true)),
                "every Dashboard user needs a Name, a Password of at least 12 characters and a Role of Operator or Viewer")
            .ValidateOnStart();
        services.AddSingleton<LocalTrust>();
        services.AddSingleton<FailedSignIns>();
        var dashboard = configuration.GetSection("Dashboard").Get<DashboardOptions>() ?? new DashboardOptions();
        if (dashboard.BehindProxy) AllowedHosts.UseProxy(services, dashboard);
        services.AddAuthentication(DashboardAuthentication.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, DashboardAuthentication>(DashboardAuthentication.SchemeName, null);
        services.AddAuthorizationBuilder()
            .SetFallbackPolicy(new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build())
            .AddPolicy(OperatePolicy, p => p.RequireRole(DashboardOptions.Operator));
        DatabaseKeyRing.Use(services);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, Scheduling.ScheduleSync>());
        services.AddSingleton(sp => new JobsRole(runsJobs, sp.GetService<IOptions<Engine.WorkerOptions>>()?.Value.WorkerName ?? ""));
        services.AddHealthChecks()
            .AddCheck<DatabaseCheck>("database", tags: ["ready"])
            .AddCheck<StorageCheck>("storage", tags: ["ready"])
            .AddCheck<JobsCheck>("jobs", tags: ["ready"]);
        services.AddSingleton<QueueGauges>();
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.Converters.Add(new JsonStringEnumConverter()));
        services.AddOpenApi();
        // The pages are compiled into this assembly; named as a part, they are found whichever assembly started the process
        // (a test host runs the web in process).
        services.AddRazorPages(o => o.RootDirectory = "/Web/Dashboard").AddMvcOptions(o => o.Filters.Add(new OperatorFormsOnly()))
            .ConfigureApplicationPartManager(parts =>
            {
                var pages = typeof(WebRegistration).Assembly;
                if (parts.ApplicationParts.Any(p => p is Microsoft.AspNetCore.Mvc.ApplicationParts.AssemblyPart a && a.Assembly == pages)) return;
                foreach (var part in Microsoft.AspNetCore.Mvc.ApplicationParts.ApplicationPartFactory.GetApplicationPartFactory(pages).GetApplicationParts(pages))
                    parts.ApplicationParts.Add(part);
            });
        return services;
    }

    public static WebApplication MapBatchEditorWeb(this WebApplication app)
    {
        app.Services.GetRequiredService<QueueGauges>(); // its gauges exist before the first scrape
        if (app.Services.GetRequiredService<IOptions<DashboardOptions>>().Value.BehindProxy) app.UseForwardedHeaders();
        app.UseMiddleware<CrossOriginGuard>();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseAntiforgery();

        // Probes come from orchestrators that carry no credentials, and say nothing secret.
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false }).AllowAnonymous();
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains("ready"), ResponseWriter = WriteHealthAsync })
            .AllowAnonymous();
        // OpenTelemetry's Prometheus exporter; the queue's gauges are read from the database just before (at most every 5 s).
        app.UseWhen(http => http.Request.Path == "/metrics",
            metrics => metrics.Use(async (http, next) => { await http.RequestServices.GetRequiredService<QueueGauges>().RefreshAsync(http.RequestAborted); await next(); }));
        app.MapPrometheusScrapingEndpoint("/metrics");
        app.MapOpenApi();

        var api = app.MapGroup("/api");
        api.MapManifestsApi();
        api.MapUploadsApi();
        api.MapQuotesApi();
        api.MapItemsApi();
        api.MapOperationsApi();
        api.MapEventsApi();

        app.MapRazorPages();
        app.MapJobsDashboard();
        app.MapGet("/", () => TypedResults.Redirect("/dashboard")).ExcludeFromDescription();
        app.MapGet("/dashboard/assets/{name}", DashboardAssets.Serve).ExcludeFromDescription();
        return app;
    }

    // Descriptions quote commands (`batch-editor migrate`): written as they are, not as \u0060 escapes.
    private static readonly JsonSerializerOptions HealthJson = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static Task WriteHealthAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(JsonSerializer.Serialize(new
        {
            status = report.Status.ToString(),
            checks = report.Entries.ToDictionary(e => e.Key, e => new { status = e.Value.Status.ToString(), description = e.Value.Description }),
        }, HealthJson));
    }
}
