using System.CommandLine;
using System.Globalization;
using BatchEditor.Usage;
using CsvHelper;
using Microsoft.Extensions.DependencyInjection;

namespace BatchEditor.Host.Cli;

public static class ResultsCommand
{
    public static Command Create()
    {
        var manifest = new Argument<string>("manifest") { Description = "Manifest name or id." };
        var output = new Option<FileInfo?>("--output", "-o") { Description = "Write the CSV here instead of to standard output." };
        var command = new Command("results", "Export one CSV row per item: id, state, reason, output locations, credits, cost.") { manifest, output };
        command.SetAction((parse, ct) => CommandHost.RunAsync(async () =>
        {
            using var host = CommandHost.Build();
            var queries = host.Services.GetRequiredService<ManifestQueries>();
            var info = await queries.FindAsync(parse.GetValue(manifest)!, ct);
            if (info is null) return CommandHost.Fail(ExitCodes.Usage, $"no manifest named '{parse.GetValue(manifest)}'");

            var file = parse.GetValue(output);
            await using var stream = file is null ? Console.OpenStandardOutput() : file.Create();
            await using var csv = CsvWriter.Create(stream, options: null, leaveOpen: true);
            csv.WriteRecord(["id", "state", "reason", "provider", "provider_job", "outputs", "credits", "cost_usd", "cost_estimated"]);
            var count = 0;
            await foreach (var row in queries.ResultsAsync(info.Id, ct))
            {
                csv.WriteRecord([row.RowId, row.State, row.Reason, row.Provider, row.JobId ?? "", string.Join(" ", row.Locations),
                    row.Credits.ToString(CultureInfo.InvariantCulture), row.CostUsd?.ToString(CultureInfo.InvariantCulture) ?? "",
                    row.CostEstimated ? "true" : "false"]);
                count++;
            }
            await csv.FlushAsync(ct);
            if (file is not null) Console.WriteLine($"Wrote {count} row(s) to {file.FullName}");
            return ExitCodes.Ok;
        }));
        return command;
    }
}
