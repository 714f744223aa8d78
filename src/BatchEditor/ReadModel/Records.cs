using BatchEditor.Items;

namespace BatchEditor.ReadModel;

// Read-only views of the tables the SQL migrations define (the migrations are the schema's source of truth; nothing here
// creates or changes a table). Property names map to snake_case columns by convention (BatchEditorDb).

public sealed class ManifestRecord
{
    public Guid Id { get; init; }
    public string Name { get; init; } = "";
    public string SourceFile { get; init; } = "";
    public string DefaultProvider { get; init; } = "";
    public int ItemCount { get; init; }
    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>Submitted sample first: how many items the sample holds, and whether the rest is approved ("awaiting", "approved").</summary>
    public int? SampleSize { get; init; }
    public string? SampleBy { get; init; }
    public string? Approval { get; init; }

    /// <summary>Items of an incremental import that asked for an edit already done: Succeeded at import, their outputs reused.</summary>
    public int UnchangedItems { get; init; }
}

public sealed class ItemRecord
{
    public long Id { get; init; }
    public Guid ManifestId { get; init; }
    public string RowId { get; init; } = "";
    public int Line { get; init; }
    public string Provider { get; init; } = "";
    public string Model { get; init; } = "";
    public string Prompt { get; init; } = "";
    public string[] ImageUrls { get; init; } = [];
    public string? MaskUrl { get; init; }
    public string? Size { get; init; }
    public string? Quality { get; init; }
    public int N { get; init; }
    public string? OutputFormat { get; init; }
    public bool InSample { get; init; }
    public ItemState State { get; init; }
    public string Reason { get; init; } = "";
    public DateTimeOffset NextRunAt { get; init; }
    public string? LeaseOwner { get; init; }
    public DateTimeOffset? LeaseExpiresAt { get; init; }
    public int SubmitAttempts { get; init; }
    public int PollCount { get; init; }
    public int CopyAttempts { get; init; }
    public string? ProviderJobId { get; init; }
    public DateTimeOffset? SubmittedAt { get; init; }
    public DateTimeOffset? OutputsExpireAt { get; init; }
    public DateTimeOffset? FinishedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }
    public int Run { get; init; }

    /// <summary>With a route: why the item moved to <see cref="Provider"/>.</summary>
    public string? Routed { get; init; }

    /// <summary>An unchanged row of an incremental run: the item whose outputs it reuses.</summary>
    public long? ReusedFrom { get; init; }
}

public sealed class HistoryRecord
{
    public long Id { get; init; }
    public long ItemId { get; init; }
    public string? FromState { get; init; }
    public string ToState { get; init; } = "";
    public string Reason { get; init; } = "";
    public string Actor { get; init; } = "";
    public DateTimeOffset At { get; init; }
}

public sealed class AttemptRecord
{
    public long Id { get; init; }
    public long ItemId { get; init; }
    public string Provider { get; init; } = "";
    public string Worker { get; init; } = "";
    public DateTimeOffset ClaimedAt { get; init; }
    public DateTimeOffset? SentAt { get; init; }
    public DateTimeOffset? FinishedAt { get; init; }
    public string? Outcome { get; init; }
    public int? HttpStatus { get; init; }
    public string? ProviderJobId { get; init; }
    public string? Detail { get; init; }
    public int Run { get; init; }
    public DateTimeOffset? SettledAt { get; init; }
    public string? Settlement { get; init; }

    /// <summary>Sent, so possibly billed, and not settled: nothing may pay for its item again until someone does.</summary>
    public bool Unsettled => SentAt is not null && SettledAt is null;
}

public sealed class OutputRecord
{
    public long Id { get; init; }
    public long ItemId { get; init; }
    public int Run { get; init; }
    public int Ordinal { get; init; }
    public OutputState State { get; init; }
    public DateTimeOffset? ExpiresAt { get; init; }
    public string? BlobName { get; init; }
    public string? Location { get; init; }
    public string? ContentType { get; init; }
    public long? SizeBytes { get; init; }
    public DateTimeOffset? StoredAt { get; init; }
}

public sealed class LedgerRecord
{
    public long Id { get; init; }
    public long ItemId { get; init; }
    public Guid ManifestId { get; init; }
    public string Provider { get; init; } = "";
    public string Kind { get; init; } = "";
    public decimal Credits { get; init; }
    public decimal? CostUsd { get; init; }
    public bool Estimated { get; init; }
    public decimal? BalanceAfter { get; init; }
    public string Note { get; init; } = "";
    public long? AttemptId { get; init; }
    public int Run { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
}

public sealed class BreakerRecord
{
    public string Provider { get; init; } = "";
    public int ConsecutiveFailures { get; init; }
    public DateTimeOffset? OpenedAt { get; init; }
    public DateTimeOffset? OpenUntil { get; init; }
    public string? LastFailure { get; init; }
}

public sealed class PauseRecord
{
    public string Provider { get; init; } = "";
    public string PausedBy { get; init; } = "";
    public string Reason { get; init; } = "";
    public DateTimeOffset PausedAt { get; init; }

    /// <summary>When the pause ends by itself (a spent daily budget); null: until an operator resumes the provider.</summary>
    public DateTimeOffset? ResumeAt { get; init; }
}

public sealed class WorkerRecord
{
    public string Name { get; init; } = "";
    public string Host { get; init; } = "";
    public int Pid { get; init; }
    public string Version { get; init; } = "";
    public int Concurrency { get; init; }
    public int InFlight { get; init; }
    public DateTimeOffset StartedAt { get; init; }
    public DateTimeOffset HeartbeatAt { get; init; }
    public DateTimeOffset? StoppedAt { get; init; }
}
