using System.CommandLine;
using BatchEditor.Engine;
using BatchEditor.Host.Web;
using BatchEditor.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace BatchEditor.Host.Cli;

public static class WorkerCommand
{
    public static Command Create()
    {
        var untilIdle = new Option<bool>("--until-idle") { Description = "Exit 0 once no item is left in an active state (for scripts and nightly runs)." };
        var concurrency = new Option<int?>("--concurrency") { Description = "Steps this process runs at once (default: Worker__Concurrency, 16)." };
        var dashboard = new Option<bool>("--dashboard") { Description = "Also serve the dashboard and HTTP API from this process (see `web`)." };
        var urls = WebCommand.UrlsOption();
        var command = new Command("worker", "Process queued items: submit, poll, copy outputs to storage. Run several on one database to scale out.")
        {
            untilIdle, concurrency, dashboard, urls,
        };
        command.SetAction((parse, ct) => CommandHost.RunAsync(async () =>
        {
            Action<WorkerOptions> overrides = o =>
            {
                if (parse.GetValue(untilIdle)) o.UntilIdle = true;
                if (parse.GetValue(concurrency) is { } c) o.Concurrency = c;
            };
            using IHost host = parse.GetValue(dashboard)
                ? WebHost.Build(parse.GetValue(urls), withWorker: true, overrides)
                : CommandHost.Build(builder =>
                {
                    CommandHost.Work(builder);
                    builder.Services.AddBatchEditorWorker(builder.Configuration, overrides);
                }, LogLevel.Information);
            // The database first, in one line each: unreachable, or not migrated (before Hangfire starts and says it at length).
            var pending = await host.Services.GetRequiredService<Persistence.Migrator>().PendingAsync(Persistence.Migrator.DefaultDirectory, ct);
            if (pending.Count > 0)
                return CommandHost.Fail(ExitCodes.DatabaseUnavailable, $"the database lacks {pending.Count} migration(s) ({string.Join(", ", pending)}); run `batch-editor migrate` first");
            await host.Services.GetRequiredService<IBlobStore>().EnsureReadyAsync(ct);
            var exit = host.Services.GetRequiredService<WorkerExit>();
            if (!host.Services.GetRequiredService<Providers.ProviderRegistry>().Configured.Any())
                Console.Error.WriteLine("warning: no provider has an API key here, so nothing can be submitted or polled; set Providers__<Name>__ApiKey " +
                    "(e.g. Providers__PixelDojo__ApiKey), or run `bash scripts/demo.sh` for the simulator");
            var started = await HostRunner.RunAsync(host, parse.GetValue(dashboard) ? WebHost.CheckListening : null, ct);
            if (started != ExitCodes.Ok) return started;
            // The host stops cleanly whatever made it stop: a dispatcher that died must not look like a finished batch.
            if (exit.Fatal is Npgsql.PostgresException { SqlState: Npgsql.PostgresErrorCodes.UndefinedTable } missing)
                return CommandHost.Fail(ExitCodes.DatabaseUnavailable, $"the worker stopped: the database is not set up ({missing.MessageText}); run `batch-editor migrate` first");
            if (exit.Fatal is { } fatal)
                return CommandHost.Fail(ExitCodes.Failed, $"the worker stopped on an unexpected error: {fatal.GetType().Name}: {fatal.Message}");
            if (!parse.GetValue(untilIdle)) return ExitCodes.Ok;
            var allSucceeded = await PrintSummaryAsync(host.Services, ct);
            if (exit.StuckReason is { } stuck) return CommandHost.Fail(ExitCodes.Usage, $"the worker stopped: {stuck}");
            return allSucceeded ? ExitCodes.Ok : ExitCodes.Unfinished;
        }));
        return command;
    }

    /// <summary>What became of each manifest this worker took part in: items by state and what they cost.</summary>
    /// <returns>Whether every item of those manifests Succeeded.</returns>
    private static async Task<bool> PrintSummaryAsync(IServiceProvider services, CancellationToken ct)
    {
        var manifests = services.GetRequiredService<ManifestsWorked>().All;
        if (manifests.Count == 0) return true;
        var totals = services.GetRequiredService<Totals.RunningTotals>();
        var counts = await totals.CountsByManifestAsync(manifests.Select(m => m.Id).ToList(), ct);
        var spend = await totals.SpendByManifestAsync(manifests.Select(m => m.Id).ToList(), ct);
        Console.WriteLine("Summary:");
        foreach (var (id, name) in manifests)
        {
            var byState = counts.GetValueOrDefault(id) ?? [];
            var money = spend.GetValueOrDefault(id) ?? Totals.Spend.None;
            var states = string.Join(", ", Enum.GetValues<Items.ItemState>().Where(byState.ContainsKey).Select(s => $"{byState[s]} {s}"));
            Console.WriteLine($"  {name}: {byState.Values.Sum()} item(s): {states}; {SpendText.Of(money)}");
        }
        var unfinished = counts.Values.Sum(c => c.Where(s => s.Key != Items.ItemState.Succeeded).Sum(s => s.Value));
        if (unfinished > 0)
            Console.WriteLine($"{unfinished} item(s) did not succeed (exit {ExitCodes.Unfinished}): `batch-editor status`, `review` and `retry` say what to do.");
        return unfinished == 0;
    }
}
