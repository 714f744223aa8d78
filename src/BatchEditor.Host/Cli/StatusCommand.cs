using System.CommandLine;
using System.Globalization;
using BatchEditor.Engine;
using BatchEditor.Items;
using BatchEditor.ReadModel;
using BatchEditor.Totals;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;

namespace BatchEditor.Host.Cli;

public static class StatusCommand
{
    public static Command Create()
    {
        var manifest = new Argument<string?>("manifest") { Description = "Manifest name or id (default: the recent manifests).", Arity = ArgumentArity.ZeroOrOne };
        var watch = new Option<bool>("--watch") { Description = "Follow the manifest with a live progress bar until nothing is active." };
        var json = JsonOutput.Option();
        var command = new Command("status", "Items by state, credits and cost, for one manifest or the recent ones.") { manifest, watch, json };
        command.SetAction((parse, ct) => CommandHost.RunAsync(async () =>
        {
            using var host = CommandHost.Build();
            var queries = host.Services.GetRequiredService<ManifestQueries>();
            var totals = host.Services.GetRequiredService<RunningTotals>();
            List<ManifestQueries.ManifestInfo> chosen;
            if (parse.GetValue(manifest) is { } name)
            {
                if (await CommandHost.FindManifestAsync(host, name, ct) is not { } info) return ExitCodes.Usage;
                if (parse.GetValue(watch) && !parse.GetValue(json) && AnsiConsole.Profile.Capabilities.Interactive) await WatchAsync(totals, info, ct);
                chosen = [info];
            }
            else chosen = await queries.RecentAsync(10, ct);
            var states = await ManifestState.LoadAsync(totals, chosen, ct);
            List<ReadModel.WorkerRecord> workers;
            List<BreakerRecord> breakers;
            using (var scope = host.Services.CreateScope())
            {
                workers = await scope.ServiceProvider.GetRequiredService<WorkerQueries>().RecentAsync(ct);
                breakers = await scope.ServiceProvider.GetRequiredService<ProviderHealthQueries>().BreakersAsync(ct);
            }
            var now = DateTimeOffset.UtcNow;
            var liveWorkers = workers.Count(w => w.StoppedAt is null && now - w.HeartbeatAt <= WorkerQueries.Silent);
            var attention = new List<List<Attention>>();
            foreach (var state in states)
            {
                var acting = Attention.States.Where(s => state.Counts.GetValueOrDefault(s) > 0).ToList();
                var reasons = await queries.TopReasonsAsync(state.Manifest.Id, acting, 3, ct);
                attention.Add(Attention.For(state.Manifest.Name, state.Counts, reasons, liveWorkers));
            }
            if (parse.GetValue(json))
            {
                JsonOutput.Write(states.Select((s, i) => s.ToJson(attention[i])));
                return ExitCodes.Ok;
            }
            PrintBreakers(breakers, now);
            PrintWorkers(workers, now);
            if (states.Count == 0) Console.WriteLine("No manifests yet. Submit one with `batch-editor submit <file.csv>`.");
            for (var i = 0; i < states.Count; i++) Print(states[i], attention[i]);
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static void Print(ManifestState state, List<Attention> attention)
    {
        var (info, counts, spend) = state;
        AnsiConsole.MarkupLine($"[bold]{Markup.Escape(info.Name)}[/]: {info.ItemCount} items from {Markup.Escape(info.SourceFile)}, imported {info.CreatedAt:yyyy-MM-dd HH:mm} UTC");
        var table = new Table().AddColumn("state").AddColumn(new TableColumn("items").RightAligned());
        foreach (var s in Enum.GetValues<ItemState>().Where(counts.ContainsKey))
            table.AddRow(s.ToString(), counts[s].ToString(CultureInfo.InvariantCulture));
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine($"cost: {Markup.Escape(SpendText.Of(spend))}" +
            (spend.RefundedCredits > 0 ? $"; refunded {spend.RefundedCredits.ToString("0.##", CultureInfo.InvariantCulture)} credits" : ""));
        if (attention.Count == 0)
        {
            var active = ItemStates.Active.Sum(s => counts.GetValueOrDefault(s));
            AnsiConsole.MarkupLine(active > 0 ? $"{active} item(s) in progress; nothing needs you." : "Nothing needs attention.");
            return;
        }
        AnsiConsole.MarkupLine("[bold]needs attention:[/]");
        foreach (var a in attention)
        {
            AnsiConsole.MarkupLine($"  [yellow]{a.Items} {Markup.Escape(a.What)}[/] → [bold]{Markup.Escape(a.Command)}[/]");
            foreach (var (reason, items) in a.Reasons) AnsiConsole.MarkupLine($"      {items} × {Markup.Escape(Shorten(reason))}");
            var shown = a.Reasons.Sum(r => r.Items);
            if (a.Reasons.Count > 0 && shown < a.Items) AnsiConsole.MarkupLine($"      {a.Items - shown} more with other reasons (`batch-editor results {Markup.Escape(info.Name)}` lists every item)");
        }
    }

    private static string Shorten(string reason) => reason.Length <= 200 ? reason : reason[..200] + "…";

    /// <summary>Providers whose circuit breaker is open (no submits) or counting failures.</summary>
    private static void PrintBreakers(List<BreakerRecord> breakers, DateTimeOffset now)
    {
        foreach (var b in breakers)
        {
            var state = b.OpenUntil > now ? $"[red]circuit breaker OPEN[/] until {b.OpenUntil:HH:mm:ss} UTC, no submits"
                : b.OpenUntil is not null ? "[yellow]circuit breaker probing[/] (one submit let through)"
                : b.ConsecutiveFailures > 0 ? $"{b.ConsecutiveFailures} consecutive submit failure(s)" : null;
            if (state is not null)
                AnsiConsole.MarkupLine($"provider {Markup.Escape(b.Provider)}: {state}; last: {Markup.Escape(b.LastFailure ?? "?")}");
        }
    }

    /// <summary>Workers that are running now (by heartbeat), and any that went silent without stopping.</summary>
    private static void PrintWorkers(List<ReadModel.WorkerRecord> recent, DateTimeOffset now)
    {
        var live = recent.Where(w => w.StoppedAt is null).ToList();
        if (live.Count == 0)
        {
            AnsiConsole.MarkupLine("workers: none running (start one with `batch-editor worker`)");
            return;
        }
        foreach (var w in live)
        {
            var silentFor = now - w.HeartbeatAt;
            var health = silentFor > WorkerQueries.Silent
                ? $"[red]silent for {silentFor.TotalMinutes:0} min[/] (gone? its leases expire and other workers take its items over)"
                : $"{w.InFlight}/{w.Concurrency} in flight";
            AnsiConsole.MarkupLine($"worker {Markup.Escape(w.Name)} (pid {w.Pid}, {Markup.Escape(w.Version)}): {health}");
        }
    }

    private static Task WatchAsync(RunningTotals totals, ManifestQueries.ManifestInfo info, CancellationToken ct) =>
        AnsiConsole.Progress().Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .StartAsync(async progress =>
            {
                var task = progress.AddTask(Markup.Escape(info.Name), maxValue: info.ItemCount);
                while (!ct.IsCancellationRequested)
                {
                    var counts = await totals.CountsAsync(info.Id, ct);
                    var active = ItemStates.Active.Sum(s => counts.GetValueOrDefault(s));
                    task.Value = info.ItemCount - active;
                    if (active == 0) break;
                    await Task.Delay(TimeSpan.FromSeconds(1), ct);
                }
            });
}
