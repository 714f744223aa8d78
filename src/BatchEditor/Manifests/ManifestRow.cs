using BatchEditor.Providers;

namespace BatchEditor.Manifests;

/// <summary>A validated manifest row, with every default applied: what becomes one item.</summary>
public sealed record ManifestRow(int Line, string Provider, EditRequest Request, IReadOnlyDictionary<string, string> Extra);

/// <summary>A problem with the manifest, named by line and column as a spreadsheet user would find it.</summary>
public sealed record ManifestError(int Line, string? Column, string Message)
{
    public override string ToString() => Column is null ? $"line {Line}: {Message}" : $"line {Line}, column {Column}: {Message}";
}

/// <summary>Manifest-wide settings from the command line: defaults for rows that leave a column empty.</summary>
/// <param name="Format">A <see cref="Formats.CatalogueFormat"/> name; null or "auto" detects it from the header.</param>
public sealed record ManifestDefaults(string? Provider = null, string? Model = null, string? Quality = null, string? Size = null, string? PromptTemplate = null,
    string? Format = null);

/// <summary>How the manifest as a whole is run.</summary>
/// <param name="Priority">Higher goes first when providers' slots are scarce; equal priorities share them fairly.</param>
/// <param name="BudgetCredits">Most the manifest may cost in credits (estimates reserved at submission count).</param>
/// <param name="BudgetUsd">Most the manifest may cost in dollars.</param>
public sealed record ManifestSettings(int Priority = 0, decimal? BudgetCredits = null, decimal? BudgetUsd = null)
{
    public static readonly ManifestSettings Default = new();
}

public sealed record ParsedManifest(IReadOnlyList<ManifestRow> Rows, IReadOnlyList<ManifestError> Errors, int RowCount);
