using BatchEditor.Providers;

namespace BatchEditor.Manifests;

/// <summary>A validated manifest row, with every default applied: what becomes one item.</summary>
public sealed record ManifestRow(int Line, string Provider, EditRequest Request, IReadOnlyDictionary<string, string> Extra)
{
    /// <summary>With a route: the choices that can take the row, in order (<c>provider:model</c>); the first is <see cref="Provider"/>.</summary>
    public string[]? Route { get; init; }
}

/// <summary>
/// A problem with the manifest, named by line and column as a spreadsheet user would find it; line 0 is a problem with
/// the command (a default that every row would use), reported once.
/// </summary>
public sealed record ManifestError(int Line, string? Column, string Message)
{
    public bool AboutTheCommand => Line == 0;

    public override string ToString() =>
        AboutTheCommand ? Message : Column is null ? $"line {Line}: {Message}" : $"line {Line}, column {Column}: {Message}";
}

/// <summary>Manifest-wide settings from the command line: defaults for rows that leave a column empty.</summary>
/// <param name="Format">A <see cref="Formats.CatalogueFormat"/> name; null or "auto" detects it from the header.</param>
/// <param name="Route">Provider choices in order (<c>pixeldojo,fal:model,openai</c>) for rows that name no provider or route.</param>
public sealed record ManifestDefaults(string? Provider = null, string? Model = null, string? Quality = null, string? Size = null, string? PromptTemplate = null,
    string? Format = null, string? Route = null);

/// <summary>How the manifest as a whole is run.</summary>
/// <param name="Priority">Higher goes first when providers' slots are scarce; equal priorities share them fairly.</param>
/// <param name="BudgetCredits">Most the manifest may cost in credits (estimates reserved at submission count).</param>
/// <param name="BudgetUsd">Most the manifest may cost in dollars.</param>
/// <param name="NotBefore">Nothing is submitted before then (<c>submit --at</c>).</param>
/// <param name="Window">A daily window outside which no new submission starts.</param>
/// <param name="WebhookUrl">Where the manifest's summary is POSTed, signed, when every item is final.</param>
/// <param name="Deadline">How long after the import every item must be done: OpenAI items go through its Batch API until near it.</param>
/// <param name="OnlyChanged">Rows asking for an edit already done (same input bytes, mask, prompt, parameters) reuse its outputs.</param>
public sealed record ManifestSettings(int Priority = 0, decimal? BudgetCredits = null, decimal? BudgetUsd = null, DateTimeOffset? NotBefore = null,
    SubmitWindow? Window = null, string? WebhookUrl = null, SampleFirst? Sample = null, string? CheckPreset = null, bool OnlyChanged = false,
    TimeSpan? Deadline = null)
{
    public static readonly ManifestSettings Default = new();
}

/// <summary>A daily time window in a time zone (IANA or Windows id), such as 02:00-06:00 Europe/Berlin; it may pass midnight.</summary>
public sealed record SubmitWindow(TimeOnly Start, TimeOnly End, string TimeZone)
{
    /// <summary>Reads "HH:mm-HH:mm"; null with <paramref name="error"/> set when it is not one.</summary>
    public static SubmitWindow? Parse(string text, string timeZone, out string? error)
    {
        error = null;
        var parts = text.Split('-', StringSplitOptions.TrimEntries);
        if (parts.Length != 2 || !TimeOnly.TryParseExact(parts[0], "HH:mm", out var start) || !TimeOnly.TryParseExact(parts[1], "HH:mm", out var end) || start == end)
            error = $"'{text}' is not a window such as 02:00-06:00";
        else if (!TimeZoneInfo.TryFindSystemTimeZoneById(timeZone, out _))
            error = $"'{timeZone}' is not a time zone this machine knows (e.g. Europe/Berlin, UTC)";
        else return new SubmitWindow(start, end, timeZone);
        return null;
    }

    public override string ToString() => $"{Start:HH\\:mm}-{End:HH\\:mm} {TimeZone}";
}

public sealed record ParsedManifest(IReadOnlyList<ManifestRow> Rows, IReadOnlyList<ManifestError> Errors, int RowCount);

/// <summary>
/// Run a sample first and hold the rest until a person approves: <paramref name="Count"/> items, or
/// <paramref name="Percent"/> of them, spread across the values of column <paramref name="By"/> (else across the file).
/// </summary>
public sealed record SampleFirst(int? Count, double? Percent, string? By)
{
    /// <summary>"20" or "5%".</summary>
    public static SampleFirst? Parse(string text, string? by, out string? error)
    {
        error = null;
        var t = text.Trim();
        if (t.EndsWith('%') && double.TryParse(t[..^1], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var p) && p is > 0 and < 100)
            return new(null, p, by is null ? null : PromptTemplate.Normalize(by));
        if (int.TryParse(t, System.Globalization.CultureInfo.InvariantCulture, out var n) && n > 0) return new(n, null, by is null ? null : PromptTemplate.Normalize(by));
        error = $"'{text}' is not a number of items or a percentage (e.g. 20 or 5%)";
        return null;
    }

    /// <summary>How many of <paramref name="total"/> items the sample holds (at least one).</summary>
    public int SizeOf(int total) => Math.Min(total, Count ?? Math.Max(1, (int)Math.Ceiling(total * Percent!.Value / 100)));

    public override string ToString() => (Count?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? $"{Percent}%") + (By is null ? "" : $" by {By}");
}
