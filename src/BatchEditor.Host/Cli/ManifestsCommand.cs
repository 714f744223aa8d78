using System.CommandLine;
using System.Globalization;
using BatchEditor.Items;
using BatchEditor.Totals;
using BatchEditor.Usage;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;

namespace BatchEditor.Host.Cli;

/// <summary><c>manifests</c>: the manifests, newest first, with their progress and cost, one line each.</summary>
public static class ManifestsCommand
{
    public static Command Create()
    {
        var limit = new Option<int>("--limit") { Description = "How many, newest first (default 50).", DefaultValueFactory = _ => 50 };
        var json = JsonOutput.Option();
        var command = new Command("manifests", "List manifests, newest first: items, how many are done, cost.") { limit, json };
        command.SetAction((parse, ct) => CommandHost.RunAsync(async () =>
        {
            using var host = CommandHost.Build();
            var manifests = await host.Services.GetRequiredService<ManifestQueries>().RecentAsync(Math.Clamp(parse.GetValue(limit), 1, 10_000), ct);
            var totals = host.Services.GetRequiredService<RunningTotals>();
            var ids = manifests.Select(m => m.Id).ToList();
            var counts = await totals.CountsByManifestAsync(ids, ct);
            var spend = await totals.SpendByManifestAsync(ids, ct);
            if (parse.GetValue(json))
            {
                JsonOutput.Write(manifests.Select(m => new
                {
                    m.Id, m.Name, m.SourceFile, Items = m.ItemCount, ImportedAt = m.CreatedAt,
                    Counts = (counts.GetValueOrDefault(m.Id) ?? []).ToDictionary(c => c.Key.ToString(), c => c.Value),
                    Spend = spend.GetValueOrDefault(m.Id) ?? Spend.None,
                }));
                return ExitCodes.Ok;
            }
            if (manifests.Count == 0)
            {
                Console.WriteLine("No manifests yet. Submit one with `batch-editor submit <file.csv>`.");
                return ExitCodes.Ok;
            }
            var table = new Table().AddColumn("manifest").AddColumn("imported (UTC)").AddColumn(new TableColumn("items").RightAligned())
                .AddColumn(new TableColumn("done").RightAligned()).AddColumn(new TableColumn("succeeded").RightAligned()).AddColumn("cost");
            foreach (var m in manifests)
            {
                var byState = counts.GetValueOrDefault(m.Id) ?? [];
                table.AddRow(Markup.Escape(m.Name), m.CreatedAt.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture),
                    m.ItemCount.ToString(CultureInfo.InvariantCulture),
                    ItemStates.Final.Sum(s => byState.GetValueOrDefault(s)).ToString(CultureInfo.InvariantCulture),
                    byState.GetValueOrDefault(ItemState.Succeeded).ToString(CultureInfo.InvariantCulture),
                    Markup.Escape(SpendText.Of(spend.GetValueOrDefault(m.Id) ?? Spend.None)));
            }
            AnsiConsole.Write(table);
            return ExitCodes.Ok;
        }));
        return command;
    }
}
