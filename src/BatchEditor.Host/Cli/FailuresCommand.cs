using System.CommandLine;
using System.Globalization;
using BatchEditor.ReadModel;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;

namespace BatchEditor.Host.Cli;

/// <summary><c>failures</c>: a manifest's failed, expired, cancelled and review items grouped by cause, each with what to do.</summary>
public static class FailuresCommand
{
    public static Command Create()
    {
        var manifest = new Argument<string>("manifest") { Description = "Manifest name or id." };
        var json = new Option<bool>("--json") { Description = "The groups as JSON." };
        var command = new Command("failures",
            "Group a manifest's items that did not succeed by cause (moderation, input unreachable, provider timeout, …), with counts, an example " +
            "reason and the command that acts on the whole group.") { manifest, json };
        command.SetAction((parse, ct) => CommandHost.RunAsync(async () =>
        {
            using var host = CommandHost.Build();
            if (await CommandHost.FindManifestAsync(host, parse.GetValue(manifest)!, ct) is not { } info) return ExitCodes.Usage;
            var groups = await host.Services.GetRequiredService<FailureGroups>().ForManifestAsync(info.Id, info.Name, ct);
            if (parse.GetValue(json))
            {
                JsonOutput.Write(groups);
                return ExitCodes.Ok;
            }
            if (groups.Count == 0)
            {
                Console.WriteLine($"{info.Name}: no failed, expired, cancelled or review items.");
                return ExitCodes.Ok;
            }
            var table = new Table().AddColumn("cause").AddColumn("state").AddColumn(new TableColumn("items").RightAligned()).AddColumn("example").AddColumn("what to do");
            foreach (var g in groups)
                table.AddRow(Markup.Escape($"{g.Cause}: {g.Title}"), g.State.ToString(), g.Items.ToString("N0", CultureInfo.InvariantCulture),
                    Markup.Escape(g.Example.Length <= 120 ? g.Example : g.Example[..120] + "…"), Markup.Escape(g.Action));
            AnsiConsole.Write(table);
            return ExitCodes.Ok;
        }));
        return command;
    }
}
