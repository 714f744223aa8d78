using System.CommandLine;
using System.Globalization;
using BatchEditor.Manifests;
using BatchEditor.Quotes;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;

namespace BatchEditor.Host.Cli;

/// <summary><c>quote</c> (and <c>submit --dry-run</c>): what a manifest would cost and when it would be done, with nothing queued.</summary>
public static class QuoteCommand
{
    public static Command Create()
    {
        var file = new Argument<FileInfo>("file") { Description = "The CSV manifest, as `submit` takes it." };
        var manifest = new ManifestOptions();
        var at = new Option<string?>("--at") { Description = "Quote as if submitted with --at: the finish time counts from then." };
        var json = new Option<bool>("--json") { Description = "The quote as JSON." };
        var command = new Command("quote",
            "Validate a manifest and say what it would cost, per provider and in total, when it would be done, and what budgets would hold back. Nothing is queued.")
        {
            file, at, json,
        };
        manifest.AddTo(command);
        command.SetAction((parse, ct) => CommandHost.RunAsync(async () =>
        {
            DateTimeOffset? notBefore = null;
            if (parse.GetValue(at) is { } atText && (notBefore = ManifestOptions.ParseAt(atText, manifest.TimeZone(parse), DateTimeOffset.Now, out var atError)) is null)
                return CommandHost.Fail(ExitCodes.Usage, $"--at: {atError}");
            return await RunAsync(parse.GetValue(file)!, manifest.Defaults(parse), manifest.Settings(parse, notBefore), parse.GetValue(json), ct);
        }));
        return command;
    }

    /// <summary>Quotes <paramref name="path"/> and prints it; the exit code is <c>submit</c>'s for the same file.</summary>
    public static async Task<int> RunAsync(FileInfo path, ManifestDefaults defaults, ManifestSettings settings, bool json, CancellationToken ct)
    {
        if (!path.Exists) return CommandHost.Fail(ExitCodes.Usage, $"{path.FullName} does not exist");
        using var host = CommandHost.Build(b => b.Services.AddQuotes());
        using var scope = host.Services.CreateScope();
        Quote quote;
        await using (var content = File.OpenRead(path.FullName))
            quote = await scope.ServiceProvider.GetRequiredService<ManifestQuoter>().QuoteAsync(content, path.Name, defaults, settings, ct);
        if (quote.Errors is [{ AboutTheCommand: true } wrong]) return CommandHost.Fail(ExitCodes.Usage, wrong.Message);
        if (json)
        {
            JsonOutput.Write(QuoteView.From(quote));
            return quote.Errors.Count > 0 ? ExitCodes.InvalidManifest : ExitCodes.Ok;
        }
        if (quote.Errors.Count > 0)
        {
            Console.Error.WriteLine($"{path.Name}: {quote.ProblemSummary}:");
            foreach (var error in quote.Errors) Console.Error.WriteLine($"  {error}");
            if (quote.ProblemCount > quote.Errors.Count) Console.Error.WriteLine($"  … and {quote.ProblemCount - quote.Errors.Count} more");
            Console.Error.WriteLine("No quote: `submit` would import nothing. Fix the file first.");
            return ExitCodes.InvalidManifest;
        }
        Print(quote);
        return ExitCodes.Ok;
    }

    private static void Print(Quote quote)
    {
        Console.WriteLine($"Quote for {quote.Source}: {quote.Items} item(s); nothing was queued.");
        var table = new Table().AddColumn("provider").AddColumn(new TableColumn("items").RightAligned()).AddColumn(new TableColumn("cost").RightAligned())
            .AddColumn(new TableColumn("done in").RightAligned()).AddColumn("pace");
        foreach (var p in quote.Providers)
            table.AddRow(Markup.Escape(p.Provider), Count(p.Items), Markup.Escape(p.Cost.ToString()), Span(p.Finish), Markup.Escape(Pace(p)));
        if (quote.Providers.Count > 1) table.AddRow("total", Count(quote.Items), Markup.Escape(quote.Total.ToString()), Span(quote.Finish), "providers run side by side");
        AnsiConsole.Write(table);
        Console.WriteLine("Costs are the providers' published prices for these rows (estimates; what each is based on: " +
                          string.Join("; ", quote.Providers.Select(p => $"{p.Provider}: {p.PriceBasis}")) + ").");
        if (quote.StartsAt is { } start)
            Console.WriteLine($"Starts at {start:yyyy-MM-dd HH:mm zzz}; done about {(start + quote.Finish).ToLocalTime():yyyy-MM-dd HH:mm zzz}.");
        if (!quote.WorkerRunning) Console.WriteLine("No worker is running: nothing starts until one does (`batch-editor worker`); the times count from then.");
        if (quote.ManifestBudget is { } held) Console.WriteLine($"Budget: {held.Items} item(s) would be held — the budget of {held.Reason}.");
        foreach (var a in quote.Alternatives)
            Console.WriteLine($"Route: if their first choice cannot take work, {Count(a.Items)} item(s) would move to {a.Provider} at {a.Cost}.");
        foreach (var p in quote.Providers.Where(p => p.DayBudget is not null))
            Console.WriteLine($"Day budget: {p.DayBudget!.Items} {p.Provider} item(s) would wait — {p.DayBudget.Reason}.");
    }

    private static string Pace(ProviderQuote p)
    {
        var learned = p.Pace.LearnedFrom > 0
            ? $"median of its last {p.Pace.LearnedFrom} jobs"
            : $"the default; nothing learned yet";
        var ahead = p.Ahead > 0 ? $"; {p.Ahead} item(s) of other manifests go first" : "";
        return $"{p.Pace.Bound(p.Ahead + p.Items)} (cap {p.Pace.MaxInFlight}, {p.Pace.PerMinute}/min); {Seconds(p.Pace.JobTime)} a job ({learned}){ahead}";
    }

    private static string Count(long n) => n.ToString("N0", CultureInfo.InvariantCulture);

    private static string Seconds(TimeSpan t) => $"{t.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture)} s";

    /// <summary>"~45 s", "~12 min", "~3 h 20 min".</summary>
    internal static string Span(TimeSpan t) => t.TotalSeconds < 90 ? $"~{Math.Ceiling(t.TotalSeconds)} s"
        : t.TotalMinutes < 90 ? $"~{Math.Ceiling(t.TotalMinutes)} min"
        : $"~{(int)t.TotalHours} h {Math.Ceiling(t.TotalMinutes % 60)} min";
}
