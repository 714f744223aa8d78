namespace BatchEditor.Batches;

/// <summary>Provider batches (configuration section <c>Batches</c>); how long before its deadline an item stops waiting is the provider's <c>BatchDeadlineMargin</c>.</summary>
public sealed class BatchOptions
{
    /// <summary>How often a worker creates batches of the items waiting for one, and checks the batches in flight.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>An item joins a batch only while it would wait at least this long for it; later it is sent on its own.</summary>
    public TimeSpan MinWait { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Once a batch's fallback time has passed and its cancel is asked, how long to wait for it to end before its items leave it anyway.</summary>
    public TimeSpan CancelWait { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Requests per batch and bytes per input file, within OpenAI's 50,000 and 200 MB.</summary>
    public int MaxLines { get; set; } = 50_000;

    public long MaxBytes { get; set; } = 190L * 1024 * 1024;
}
