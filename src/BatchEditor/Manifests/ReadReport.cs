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

    public void Add(ManifestError error)
    {
        Count++;
        if (_errors.Count < Kept) _errors.Add(error);
    }
}
