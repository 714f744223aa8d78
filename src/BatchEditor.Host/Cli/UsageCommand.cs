using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using BatchEditor.ReadModel;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;

namespace BatchEditor.Host.Cli;

/// <summary><c>usage</c>: where the credits went, estimated beside booked, by provider, manifest, day or model.</summary>
public static class UsageCommand
{
    public static Command Create()
    {
        // No DefaultValueFactory: help would print the default as 7.00:00:00; the description says it as it is typed.
        var since = new Option<TimeSpan?>("--since")
        {
            Description = "How far back: 24h, 7d, 30d … (default 7d).",
            CustomParser = result => ResultsCommand.Duration(result.Tokens[0].Value) ?? Fail(result),
        };
        var by = new Option<UsageGrouping>("--by") { Description = "Group by provider (default), manifest, day (UTC) or model.", DefaultValueFactory = _ => UsageGrouping.Provider };
        var format = new Option<string>("--format") { Description = "table (default), csv or json.", DefaultValueFactory = _ => "table" };
        format.AcceptOnlyFromAmong("table", "csv", "json");
        var json = new Option<bool>("--json") { Description = "The same as --format json." };
        var command = new Command("usage", "Credits and money booked per provider, manifest, day or model, beside the providers' estimates for the same items.")
        {
            since, by, format, json,
        };
        command.SetAction((parse, ct) => CommandHost.RunAsync(async () =>
        {
            using var host = CommandHost.Build();
            var window = parse.GetValue(since) ?? TimeSpan.FromDays(7);
            var rows = await host.Services.GetRequiredService<UsageReport>().BuildAsync(DateTimeOffset.UtcNow - window, parse.GetValue(by), ct);
            var shape = parse.GetValue(json) ? "json" : parse.GetValue(format);
            if (shape == "json") Console.WriteLine(JsonSerializer.Serialize(rows.Select(Json), new JsonSerializerOptions(JsonSerializerDefaults.Web) { WriteIndented = true }));
            else if (shape == "csv") WriteCsv(rows, parse.GetValue(by));
            else WriteTable(rows, parse.GetValue(by), window);
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static object Json(UsageRow r) => new
    {
        r.Key, r.Items,
        Estimated = new { Credits = r.EstimatedCredits, Usd = r.EstimatedUsd, UnpricedCredits = r.EstimatedUnpricedCredits },
        Booked = new { Credits = r.BookedCredits, Usd = r.BookedUsd, UnpricedCredits = r.BookedUnpricedCredits },
        BookedWithoutProviderReport = new { Credits = r.UnreportedCredits, Usd = r.UnreportedUsd, UnpricedCredits = r.UnreportedUnpricedCredits },
        Difference = new { Credits = r.DifferenceCredits, Usd = r.DifferenceUsd },
    };

    private static void WriteCsv(List<UsageRow> rows, UsageGrouping by)
    {
        Console.WriteLine($"{by.ToString().ToLowerInvariant()},items,estimated_credits,estimated_usd,booked_credits,booked_usd,unreported_credits,unreported_usd,difference_credits,difference_usd," +
            "estimated_unpriced_credits,booked_unpriced_credits");
        foreach (var r in rows)
            Console.WriteLine(string.Join(',', Cell(r.Key), r.Items.ToString(CultureInfo.InvariantCulture), N(r.EstimatedCredits), N(r.EstimatedUsd), N(r.BookedCredits), N(r.BookedUsd),
                N(r.UnreportedCredits), N(r.UnreportedUsd), N(r.DifferenceCredits), N(r.DifferenceUsd), N(r.EstimatedUnpricedCredits), N(r.BookedUnpricedCredits)));
    }

    private static void WriteTable(List<UsageRow> rows, UsageGrouping by, TimeSpan since)
    {
        if (rows.Count == 0)
        {
            Console.WriteLine($"Nothing was booked in the last {since.TotalDays:0.#} day(s).");
            return;
        }
        var table = new Table().AddColumn(by.ToString().ToLowerInvariant()).AddColumn(new TableColumn("items").RightAligned())
            .AddColumn(new TableColumn("estimated").RightAligned()).AddColumn(new TableColumn("booked").RightAligned())
            .AddColumn(new TableColumn("of which unreported").RightAligned()).AddColumn(new TableColumn("difference").RightAligned());
        foreach (var r in rows)
            table.AddRow(Markup.Escape(r.Key), r.Items.ToString(CultureInfo.InvariantCulture), Markup.Escape(r.Estimated.ToString()),
                Markup.Escape(r.Booked.ToString()), Markup.Escape(r.Unreported.ToString()), Difference(r));
        AnsiConsole.Write(table);
        Console.WriteLine("estimated: the providers' published prices for these items; booked: the ledger (the providers' reported charges, " +
            "adjustments and refunds, or our estimate where a provider reported none: 'unreported'); difference: booked − estimated " +
            "(in money only where both are priced in full; 'unpriced' credits have no CreditPriceUsd).");
    }

    private static string Difference(UsageRow r)
    {
        var credits = r.DifferenceCredits.ToString("+0.####;-0.####;0", CultureInfo.InvariantCulture) + " credits";
        return r.DifferenceUsd is { } usd ? $"{credits} / {(usd > 0 ? "+" : usd < 0 ? "-" : "")}{Totals.Money.Dollars(Math.Abs(usd))}" : credits;
    }

    private static string N(decimal? value) => value?.ToString("0.######", CultureInfo.InvariantCulture) ?? "";

    private static string Cell(string text) => text.IndexOfAny([',', '"', '\n']) >= 0 ? $"\"{text.Replace("\"", "\"\"")}\"" : text;

    private static TimeSpan? Fail(System.CommandLine.Parsing.ArgumentResult result)
    {
        result.AddError($"'{result.Tokens[0].Value}' is not a duration such as 24h or 7d");
        return default;
    }
}
