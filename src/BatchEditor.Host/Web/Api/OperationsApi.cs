using BatchEditor.Operations;
using BatchEditor.Providers;
using BatchEditor.ReadModel;
using BatchEditor.Scheduling;
using BatchEditor.Totals;
using Microsoft.AspNetCore.Http.HttpResults;

namespace BatchEditor.Host.Web.Api;

/// <summary>The overview, usage, providers (pause, resume), schedules (fire now, pause, resume) and workers.</summary>
public static class OperationsApi
{
    public sealed record Overview(IReadOnlyDictionary<string, long> Counts, Alerts Alerts, IReadOnlyList<ProviderSpend> SpendToday,
        IReadOnlyList<ProviderBalance> Balances);

    public sealed record Usage(IReadOnlyList<ProviderSpend> Today, IReadOnlyList<ProviderBalance> Balances, IReadOnlyList<ManifestSummary> Manifests);

    public sealed record Pause(string? Reason);

    public static void MapOperationsApi(this RouteGroupBuilder api)
    {
        api.MapGet("/overview", async (OverviewQueries q, RunningTotals totals, CancellationToken ct) => TypedResults.Ok(new Overview(
            (await totals.CountsAsync(null, ct)).ToDictionary(c => c.Key.ToString(), c => c.Value), await q.AlertsAsync(ct),
            await q.SpendTodayAsync(ct), await q.BalancesAsync(ct)))).WithTags("Overview");
        api.MapGet("/throughput", async (OverviewQueries q, string? window, CancellationToken ct) =>
        {
            var (_, span, bucket) = Dashboard.ThroughputChart.Find(window);
            return TypedResults.Ok(await q.ThroughputAsync(span, bucket, ct));
        }).WithTags("Overview").WithSummary("Items finished per bucket: window = 30m (default, per minute), 24h (per hour) or 7d (per 6 h).");
        api.MapGet("/usage", async (OverviewQueries q, ManifestSummaries m, CancellationToken ct) => TypedResults.Ok(new Usage(
            await q.SpendTodayAsync(ct), await q.BalancesAsync(ct), await m.RecentAsync(50, null, ct)))).WithTags("Overview")
            .WithSummary("Spend today per provider, the providers' reported balances, and cost per recent manifest.");

        api.MapGet("/alerts", async (Alerting.AlertStore alerts, CancellationToken ct) =>
                TypedResults.Ok(new { Alerts = await alerts.RecentAsync(100, ct), Digests = await alerts.DigestsAsync(20, ct) }))
            .WithTags("Overview").WithSummary("Alerts firing and resolved (latest 100), and the digests sent (latest 20) with how each channel took them.");

        var providers = api.MapGroup("/providers").WithTags("Providers");
        providers.MapGet("/", async (ProviderHealthQueries q, CancellationToken ct) => TypedResults.Ok(await q.AllAsync(ct)));
        providers.MapPost("/{name}/pause", async (string name, Pause? body, ProviderPauses pauses, HttpContext http, CancellationToken ct) =>
                TypedResults.Ok(await pauses.PauseAsync(name, Actor.Of(http.User), body?.Reason ?? "paused by an operator", ct)))
            .RequireAuthorization(WebRegistration.OperatePolicy).DisableAntiforgery()
            .WithSummary("No new submissions to this provider anywhere in the cluster; running jobs are still polled and copied.");
        providers.MapPost("/{name}/resume", async (string name, ProviderPauses pauses, CancellationToken ct) => TypedResults.Ok(await pauses.ResumeAsync(name, ct)))
            .RequireAuthorization(WebRegistration.OperatePolicy).DisableAntiforgery();

        var schedules = api.MapGroup("/schedules").WithTags("Schedules");
        schedules.MapGet("/", async (ScheduleControl s, CancellationToken ct) => TypedResults.Ok(await s.ListAsync(ct)));
        var schedule = schedules.MapGroup("/{name}").RequireAuthorization(WebRegistration.OperatePolicy).DisableAntiforgery();
        schedule.MapPost("/trigger", (string name, ScheduleControl s, CancellationToken ct) => Found(s.TriggerNowAsync(name, ct)))
            .WithSummary("Fire the schedule now on the workers (its Hangfire recurring job is triggered).");
        schedule.MapPost("/pause", (string name, ScheduleControl s, CancellationToken ct) => Found(s.PauseAsync(name, ct)));
        schedule.MapPost("/resume", (string name, ScheduleControl s, CancellationToken ct) => Found(s.ResumeAsync(name, ct)));

        api.MapGet("/workers", async (WorkerQueries q, CancellationToken ct) => TypedResults.Ok(await q.RecentAsync(ct))).WithTags("Workers");
    }

    private static async Task<Results<NoContent, NotFound>> Found(Task<bool> act) => await act ? TypedResults.NoContent() : TypedResults.NotFound();
}
