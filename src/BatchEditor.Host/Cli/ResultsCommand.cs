using System.CommandLine;
using BatchEditor.Items;
using System.Globalization;
using BatchEditor.Storage;
using BatchEditor.ReadModel;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace BatchEditor.Host.Cli;

public static class ResultsCommand
{
    public static Command Create()
    {
        var manifest = new Argument<string>("manifest") { Description = "Manifest name or id." };
        var output = new Option<FileInfo?>("--output", "-o") { Description = "Write the CSV here instead of to standard output." };
        var signed = new Option<TimeSpan?>("--signed-urls")
        {
            Description = "Add read-only https links (Azure Blob SAS, needs the account key) valid this long: 1m to 7d, e.g. 24h, 90m, 7d.",
            CustomParser = result => Duration(result.Tokens[0].Value) ?? ParseError(result, result.Tokens[0].Value),
        };
        var format = new Option<string>("--format") { Description = "csv (default) or json.", DefaultValueFactory = _ => "csv" };
        format.AcceptOnlyFromAmong("csv", "json");
        var json = JsonOutput.Option("CSV (the same as --format json)");
        var cause = new Option<string?>("--cause") { Description = $"Only the items of this failure cause (`batch-editor failures` lists them): {FailureCauses.Codes}." };
        var command = new Command("results", "Export one row per item (CSV or JSON): id, state, reason, output locations, credits, cost.")
        {
            manifest, output, signed, format, json, cause,
        };
        command.SetAction((parse, ct) => CommandHost.RunAsync(async () =>
        {
            using var host = CommandHost.Build();
            if (await CommandHost.FindManifestAsync(host, parse.GetValue(manifest)!, ct) is not { } info) return ExitCodes.Usage;

            var validFor = parse.GetValue(signed);
            var store = host.Services.GetRequiredService<IBlobStore>();
            var expiresAt = DateTimeOffset.UtcNow + (validFor ?? TimeSpan.Zero);
            Func<string, string>? sign = null;
            if (validFor is { } lifetime)
            {
                var (signer, refusal) = await OutputLinks.ForAsync(store, host.Services.GetRequiredService<IOptions<StorageOptions>>().Value, lifetime,
                    DateTimeOffset.UtcNow, ct);
                if (refusal is not null) return CommandHost.Fail(ExitCodes.Usage, $"--signed-urls: {refusal}");
                sign = signer;
            }

            var file = parse.GetValue(output);
            file?.Directory?.Create();
            await using var stream = file is null ? Console.OpenStandardOutput() : file.Create();
            var export = host.Services.GetRequiredService<ResultsExport>();
            var count = parse.GetValue(json) || parse.GetValue(format) == "json"
                ? await export.WriteJsonAsync(stream, info.Id, sign, ct, parse.GetValue(cause))
                : await export.WriteCsvAsync(stream, info.Id, sign, expiresAt, ct, parse.GetValue(cause));
            if (file is not null) Console.WriteLine($"Wrote {count} row(s) to {file.FullName}");
            return ExitCodes.Ok;
        }));
        return command;
    }

    /// <summary>"24h", "90m", "7d", "45s", or a TimeSpan such as 1.12:00:00; between one minute and a link's longest life (7 days).</summary>
    internal static TimeSpan? Duration(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        TimeSpan? value = text[^1] switch
        {
            's' or 'm' or 'h' or 'd' when double.TryParse(text[..^1], NumberStyles.Float, CultureInfo.InvariantCulture, out var n) && n > 0 =>
                text[^1] switch { 's' => TimeSpan.FromSeconds(n), 'm' => TimeSpan.FromMinutes(n), 'h' => TimeSpan.FromHours(n), _ => TimeSpan.FromDays(n) },
            _ => TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var t) ? t : null,
        };
        return value is { } v && v >= TimeSpan.FromMinutes(1) && v <= StorageOptions.LongestLink ? v : null;
    }

    private static TimeSpan? ParseError(System.CommandLine.Parsing.ArgumentResult result, string text)
    {
        result.AddError($"--signed-urls '{text}' is not a duration between 1m and 7d (e.g. 24h, 90m, 7d): links live at most 7 days");
        return null;
    }
}
