using Microsoft.Extensions.Logging;

namespace BatchEditor.Engine;

/// <summary>The engine's log lines, source-generated. Never pass an API key or a signed URL here.</summary>
public sealed partial class EngineLog(ILogger<EngineLog> logger)
{
    private readonly ILogger _logger = logger;

    [LoggerMessage(Level = LogLevel.Information, Message = "Worker {Worker} started: concurrency {Concurrency}, providers {Providers}")]
    public partial void Started(string worker, int concurrency, string providers);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Claimed {Count} item(s)")]
    public partial void Claimed(int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Claiming failed; retrying shortly")]
    public partial void ClaimFailed(Exception error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Step {State} of item {ItemId} ({RowId}) failed unexpectedly")]
    public partial void StepFailed(Exception error, string state, long itemId, string rowId);

    [LoggerMessage(Level = LogLevel.Information, Message = "No active items left; worker {Worker} exits (--until-idle)")]
    public partial void Idle(string worker);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rescuer: {Requeued} lapsed submit(s) requeued, {NeedReview} sent to NeedsReview")]
    public partial void Rescued(int requeued, int needReview);

    [LoggerMessage(Level = LogLevel.Information, Message = "Stopping: waiting up to {Grace} for {Count} step(s) in flight")]
    public partial void Draining(TimeSpan grace, int count);
}
