using System.CommandLine;
using System.Globalization;
using BatchEditor.Manifests;
using BatchEditor.Manifests.Formats;

namespace BatchEditor.Host.Cli;

/// <summary>
/// What `submit` and `schedule add` both take: defaults for rows that leave a column empty, and how the manifest runs
/// (priority, budgets, start time, submit window). One definition, so both commands read them alike.
/// </summary>
public sealed class ManifestOptions
{
    private readonly Option<string> _provider = new("--provider") { Description = "Provider for rows that name none (pixeldojo).", DefaultValueFactory = _ => "pixeldojo" };
    private readonly Option<string?> _route = new("--route")
    {
        Description = "Providers to try in order for rows that name none, e.g. pixeldojo,fal,openai (fal:model names a model): waiting items move to the next when one cannot take work.",
    };
    private readonly Option<string?> _model = new("--model") { Description = "Model for rows that name none (default: the provider's)." };
    private readonly Option<string?> _quality = new("--quality") { Description = "low, medium, high or auto, for rows that name none." };
    private readonly Option<string?> _size = new("--size") { Description = "Output size for rows that name none: 1024x1536, 2:3, auto or a provider preset." };
    private readonly Option<string?> _prompt = new("--prompt") { Description = "Prompt for rows without one; {column} placeholders are filled from the row." };
    private readonly Option<string?> _format = new("--format")
    {
        Description = $"The CSV's shape: {CatalogueFormats.Names} (a Shopify or WooCommerce product export), or auto (default: from the header).",
    };
    private readonly Option<int> _priority = new("--priority")
    {
        Description = "Higher runs first when providers' slots are scarce (default 0); manifests of equal priority share them fairly.",
    };
    private readonly Option<decimal?> _budgetCredits = new("--budget-credits") { Description = "Most the manifest may cost in credits; items past it are Held with the reason." };
    private readonly Option<decimal?> _budgetUsd = new("--budget-usd") { Description = "Most the manifest may cost in dollars; items past it are Held with the reason." };
    private readonly Option<string?> _webhook = new("--webhook") { Description = "POST the manifest's summary here, signed (Webhooks__SigningSecret), when every item is final." };
    private readonly Option<string?> _window = new("--window") { Description = "Start new submissions only between these times each day, e.g. 02:00-06:00 (in --time-zone)." };
    private readonly Option<string?> _sample = new("--sample")
    {
        Description = "Run this many items first (20, or 5%) and hold the rest until `batch-editor approve` (or `reject` with a new prompt).",
    };
    private readonly Option<string?> _sampleBy = new("--sample-by") { Description = "Spread the sample across the values of this column (e.g. category or vendor) instead of across the file." };
    private readonly Option<string?> _deadline = new("--deadline")
    {
        Description = "Every item done within this (24h, 90m, 2d): OpenAI items go through its Batch API at half price, sent synchronously if a batch would miss it.",
    };
    private readonly Option<bool> _onlyChanged = new("--only-changed")
    {
        Description = "Skip rows whose input bytes, mask, prompt and parameters equal an earlier item of the same id that succeeded; its outputs are reused.",
    };
    private readonly Option<string?> _check = new("--check") { Description = $"Check every output against a sales channel's image limits: {Checks.ChannelPreset.Names}." };
    private readonly Option<string> _timeZone = new("--time-zone")
    {
        Description = "Time zone of --window, --at and a schedule's cron (IANA, e.g. Europe/Berlin; default: this machine's).",
        DefaultValueFactory = _ => TimeZoneInfo.Local.Id,
    };

    public ManifestOptions() => _format.CompletionSources.Add([.. CatalogueFormats.All.Select(f => f.Name), "auto"]);

    public string TimeZone(ParseResult parse) => parse.GetValue(_timeZone)!;

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { _provider, _route, _model, _quality, _size, _prompt, _format, _priority, _budgetCredits, _budgetUsd, _window, _timeZone, _webhook, _sample, _sampleBy, _check, _onlyChanged, _deadline })
            command.Options.Add(option);
        command.Validators.Add(result =>
        {
            if (result.GetValue(_window) is { } window && SubmitWindow.Parse(window, result.GetValue(_timeZone)!, out var error) is null)
                result.AddError($"--window: {error}");
            if (result.GetValue(_sample) is { } sample && SampleFirst.Parse(sample, null, out var sampleError) is null) result.AddError($"--sample: {sampleError}");
            if (result.GetValue(_sampleBy) is not null && result.GetValue(_sample) is null) result.AddError("--sample-by goes with --sample");
            if (result.GetValue(_deadline) is { } deadline && ParseDuration(deadline) is null)
                result.AddError($"--deadline: '{deadline}' is not a duration such as 24h, 90m or 2d");
            if (result.GetValue(_route) is not null && result.GetValue(_model) is not null)
                result.AddError("--model goes with --provider; with --route name each choice's model in it (e.g. fal:openai/gpt-image-2/edit)");
            if (result.GetValue(_check) is { } check && Checks.ChannelPreset.Find(check) is null) result.AddError($"--check {check}: not a channel; one of {Checks.ChannelPreset.Names}");
        });
    }

    public ManifestDefaults Defaults(ParseResult parse) =>
        new(parse.GetValue(_provider), parse.GetValue(_model), parse.GetValue(_quality)?.ToLowerInvariant(), parse.GetValue(_size), parse.GetValue(_prompt),
            parse.GetValue(_format), parse.GetValue(_route));

    public ManifestSettings Settings(ParseResult parse, DateTimeOffset? notBefore = null) =>
        new(parse.GetValue(_priority), parse.GetValue(_budgetCredits), parse.GetValue(_budgetUsd), notBefore,
            parse.GetValue(_window) is { } window ? SubmitWindow.Parse(window, TimeZone(parse), out _) : null, parse.GetValue(_webhook),
            parse.GetValue(_sample) is { } sample ? SampleFirst.Parse(sample, parse.GetValue(_sampleBy), out _) : null, parse.GetValue(_check),
            parse.GetValue(_onlyChanged), parse.GetValue(_deadline) is { } deadline ? ParseDuration(deadline) : null);

    /// <summary>"24h", "90m", "2d", "45s" (or a TimeSpan such as 1.00:00:00); null when it is none of them or not positive.</summary>
    public static TimeSpan? ParseDuration(string text)
    {
        var t = text.Trim();
        if (t.Length > 1 && double.TryParse(t[..^1], NumberStyles.Float, CultureInfo.InvariantCulture, out var n) && n > 0)
            switch (char.ToLowerInvariant(t[^1]))
            {
                case 'd': return TimeSpan.FromDays(n);
                case 'h': return TimeSpan.FromHours(n);
                case 'm': return TimeSpan.FromMinutes(n);
                case 's': return TimeSpan.FromSeconds(n);
            }
        return TimeSpan.TryParse(t, CultureInfo.InvariantCulture, out var span) && span > TimeSpan.Zero ? span : null;
    }

    /// <summary>
    /// <c>--at</c>: an ISO date and time (with an offset, or in <paramref name="timeZone"/>), a time of day (its next
    /// occurrence), or <c>nightly</c> (the next 02:00).
    /// </summary>
    public static DateTimeOffset? ParseAt(string text, string timeZone, DateTimeOffset now, out string? error)
    {
        error = null;
        var zone = TimeZoneInfo.FindSystemTimeZoneById(timeZone);
        if (text.Equals("nightly", StringComparison.OrdinalIgnoreCase)) text = "02:00";
        if (TimeOnly.TryParseExact(text, "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out var time))
        {
            var local = TimeZoneInfo.ConvertTime(now, zone);
            var at = new DateTimeOffset(local.Date + time.ToTimeSpan(), zone.GetUtcOffset(local.Date + time.ToTimeSpan()));
            return at > now ? at : at.AddDays(1);
        }
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var stamp) && HasOffset(text)) return stamp;
        if (DateTime.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var plain))
            return new DateTimeOffset(plain, zone.GetUtcOffset(plain));
        error = $"'{text}' is not a time: give HH:mm, an ISO date and time (2026-11-22T02:00), or nightly";
        return null;
    }

    private static bool HasOffset(string text) => text.EndsWith('Z') || System.Text.RegularExpressions.Regex.IsMatch(text, @"[+-]\d\d:?\d\d$");
}
