using System.CommandLine;
using System.Globalization;
using BatchEditor.Items;
using BatchEditor.Totals;
using BatchEditor.ReadModel;
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
            var states = await ManifestState.LoadAsync(host.Services.GetRequiredService<RunningTotals>(), manifests, ct);
            if (parse.GetValue(json))
            {
                JsonOutput.Write(states.Select(s => s.ToJson()));
                return ExitCodes.Ok;
            }
            if (states.Count == 0)
            {
                Console.WriteLine("No manifests yet. Submit one with `batch-editor submit <file.csv>`.");
                return ExitCodes.Ok;
            }
            var table = new Table().AddColumn("manifest").AddColumn("imported (UTC)").AddColumn(new TableColumn("items").RightAligned())
                .AddColumn(new TableColumn("done").RightAligned()).AddColumn(new TableColumn("succeeded").RightAligned()).AddColumn("cost");
            foreach (var (m, byState, spend) in states)
                table.AddRow(Markup.Escape(m.Name), m.CreatedAt.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture),
                    m.ItemCount.ToString(CultureInfo.InvariantCulture),
                    ItemStates.Final.Sum(s => byState.GetValueOrDefault(s)).ToString(CultureInfo.InvariantCulture),
                    byState.GetValueOrDefault(ItemState.Succeeded).ToString(CultureInfo.InvariantCulture),
                    Markup.Escape(SpendText.Of(spend)));
            AnsiConsole.Write(table);
            return ExitCodes.Ok;
        }));
        return command;
    }
}
