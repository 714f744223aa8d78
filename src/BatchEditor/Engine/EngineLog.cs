using Microsoft.Extensions.Logging;

namespace BatchEditor.Engine;

/// <summary>The engine's log lines, source-generated. Never pass an API key or a signed URL here.</summary>
public sealed partial class EngineLog(ILogger<EngineLog> logger)
{
    private readonly ILogger _logger = logger;

    [LoggerMessage(Level = LogLevel.Information, Message = "Worker {Worker} started: concurrency {Concurrency}, providers {Providers}; on SIGTERM, submits in flight get {Grace} to finish")]
    public partial void Started(string worker, int concurrency, string providers, TimeSpan grace);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Claimed {Count} item(s)")]
    public partial void Claimed(int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Claiming failed (database unavailable?); retrying with back-off")]
    public partial void ClaimFailed(Exception error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Step {State} of item {ItemId} ({RowId}) failed unexpectedly")]
    public partial void StepFailed(Exception error, string state, long itemId, string rowId);

    [LoggerMessage(Level = LogLevel.Critical, Message = "The dispatcher stopped on an unexpected error; the worker exits")]
    public partial void DispatcherCrashed(Exception error);

    [LoggerMessage(Level = LogLevel.Information, Message = "No active items left; worker {Worker} exits (--until-idle)")]
    public partial void Idle(string worker);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rescuer: {Requeued} lapsed submit(s) requeued, {NeedReview} sent to NeedsReview")]
    public partial void Rescued(int requeued, int needReview);

    [LoggerMessage(Level = LogLevel.Information, Message = "Stopping: waiting up to {Grace} for {Count} step(s) in flight (submits already sent wait for their answer; the rest is handed back)")]
    public partial void Draining(TimeSpan grace, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Lease of item {ItemId} ({RowId}) lost during its {State} step; the step is stopped")]
    public partial void LeaseLost(long itemId, string rowId, string state);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Renewing leases failed; steps stop before sending once their leases may have lapsed")]
    public partial void RenewFailed(Exception error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Item {ItemId} ({RowId}) not sent: {Reason}")]
    public partial void NotSent(long itemId, string rowId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Item {ItemId} ({RowId}) needs review: {Provider} submit outcome unknown: {Reason}")]
    public partial void SentToReview(long itemId, string rowId, string provider, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Item {ItemId} ({RowId}): the answer arrived after the lease was lost; kept for adoption as {Reference}")]
    public partial void LateAnswerKept(long itemId, string rowId, string reference);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Item {ItemId} ({RowId}): the database did not take {Provider}'s answer in time: job {JobId} ({Summary}); writing it to the spill folder")]
    public partial void AnswerSpilling(Exception error, long itemId, string rowId, string provider, string jobId, string summary);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Item {ItemId} ({RowId}): answer spilled to {Path}; it is recorded once the database is back")]
    public partial void AnswerSpilled(long itemId, string rowId, string path);

    [LoggerMessage(Level = LogLevel.Error, Message = "Item {ItemId} ({RowId}): the answer (job {JobId}) could not be spilled either; this line is its only record")]
    public partial void SpillFailed(Exception error, long itemId, string rowId, string jobId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Item {ItemId} ({RowId}): the answer could not be recorded and holds no job ({Outcome}); the rescuer decides once its lease lapses")]
    public partial void AnswerNotRecorded(Exception error, long itemId, string rowId, string outcome);

    [LoggerMessage(Level = LogLevel.Information, Message = "Item {ItemId} ({RowId}): spilled answer {JobId} recorded")]
    public partial void SpillReplayed(long itemId, string rowId, string jobId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Replaying spilled answers failed (database still away?); trying again later")]
    public partial void SpillReplayFailed(Exception error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Item {ItemId} ({RowId}): the answer arrived after the lease was lost and holds no job to adopt: {Outcome}")]
    public partial void LateAnswerDropped(long itemId, string rowId, string outcome);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Item {ItemId} ({RowId}) expired: {Reason}")]
    public partial void OutputsExpired(long itemId, string rowId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Item {ItemId} ({RowId}) waits for storage: {Reason}")]
    public partial void StorageWaiting(long itemId, string rowId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Circuit breaker of {Provider} opened after {Failures} consecutive failures; no submits for {Cooldown}: {Reason}")]
    public partial void BreakerOpened(string provider, int failures, TimeSpan cooldown, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Circuit breaker of {Provider} closed: the provider answers again")]
    public partial void BreakerClosed(string provider);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Submissions to {Provider} paused: {Failures} copies in a row failed ({Cause}): {Reason}")]
    public partial void CopiesPausedProvider(string provider, int failures, string cause, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Submissions to {Provider} resumed: an output was stored again")]
    public partial void CopiesResumedProvider(string provider);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Recording the circuit breaker of {Provider} failed")]
    public partial void BreakerUpdateFailed(Exception error, string provider);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Listening for new work failed; reconnecting (idle polling continues meanwhile)")]
    public partial void ListenFailed(Exception error);
}
