namespace BatchEditor.Manifests;

/// <summary>
/// The problems found while a manifest streams through: every one counted, the first <see cref="Kept"/> kept with their
/// line and column (a 1,000,000-row file with a systematic mistake should not print a million lines).
/// </summary>
public sealed class ReadReport(int kept = ReadReport.DefaultKept)
{
    public const int DefaultKept = 100;

    private readonly List<ManifestError> _errors = [];

    public int Kept { get; } = kept;

    /// <summary>The first <see cref="Kept"/> problems.</summary>
    public IReadOnlyList<ManifestError> Errors => _errors;

    /// <summary>Every problem found, kept or not.</summary>
    public int Count { get; private set; }

    /// <summary>Records of the file read so far (rows of the CSV, not items).</summary>
    public int RowCount { get; set; }

    /// <summary>
    /// Rows with at least one problem (the header and the command line are not rows). Problems come in line order, so a
    /// change of line is a new row, and memory stays flat however many rows are wrong.
    /// </summary>
    public int RowsWithProblems { get; private set; }

    private int _lastRow;

    private readonly Dictionary<string, RouteRefusal> _routeRefusals = new(StringComparer.Ordinal);

    /// <summary>Per provider of a route: how many rows it cannot take (they go to the route's other choices), and the first.</summary>
    public IReadOnlyDictionary<string, RouteRefusal> RouteRefusals => _routeRefusals;

    public void RouteChoiceRefused(string provider, int line, string why) =>
        _routeRefusals[provider] = _routeRefusals.TryGetValue(provider, out var seen) ? seen with { Rows = seen.Rows + 1 } : new RouteRefusal(1, line, why);

    /// <summary>"fal cannot take 3 rows (line 4: size …); they go to the route's other choices", one per provider.</summary>
    public IEnumerable<string> RouteNotes() =>
        _routeRefusals.Select(r => $"{r.Key} cannot take {Plural(r.Value.Rows, "row")} (line {r.Value.FirstLine}: {r.Value.FirstReason}); they go to their route's other choices");

    public void Add(ManifestError error)
    {
        Count++;
        if (error.Line > 1 && error.Line != _lastRow)
        {
            RowsWithProblems++;
            _lastRow = error.Line;
        }
        if (_errors.Count < Kept) _errors.Add(error);
    }

    /// <summary>"3 problems on 2 of 24 rows" (or "in the header") as the CLI, the API and schedules say it.</summary>
    public static string Summary(int problems, int rowsWithProblems, int rows) =>
        $"{Plural(problems, "problem")} " + (rowsWithProblems == 0 ? "in the header or the options" : $"on {rowsWithProblems} of {Plural(rows, "row")}");

    private static string Plural(int n, string word) => n == 1 ? $"1 {word}" : $"{n:N0} {word}s";
}

/// <summary>Rows one choice of a route cannot take: how many, and the first with its reason.</summary>
public sealed record RouteRefusal(int Rows, int FirstLine, string FirstReason);
