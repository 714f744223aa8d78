using BatchEditor.Items;
using BatchEditor.Jobs;
using Hangfire;
using Microsoft.Extensions.Options;

namespace BatchEditor.Operations;

/// <summary>What an operator does to a whole manifest from the dashboard or the API.</summary>
public enum ManifestAction { Retry, Cancel, Hold, Release }

/// <summary>What became of a manifest-wide action: done at once (with its counts), or queued as a Hangfire job.</summary>
/// <param name="Moved">Items moved, when it was done at once.</param>
/// <param name="Retry">A retry's report, when it was done at once.</param>
/// <param name="JobId">The Hangfire job doing it, when the manifest was too large to act on within the request.</param>
public sealed record ActionTaken(ManifestAction Action, int? Moved, OperatorActions.RetryReport? Retry, string? JobId, string Message)
{
    public bool Queued => JobId is not null;
}

/// <summary>
/// Manifest-wide actions for the dashboard and the API: a manifest with few items in the states an action touches is
/// acted on at once; a larger one by a Hangfire job (queue <c>operations</c>), which pages through it in separate
/// transactions and shows in the Hangfire dashboard with its arguments, retries and result. Every page goes through the
/// guarded transitions, so a job retried after a crash or a deploy moves only what is still to move.
/// </summary>
public sealed class ManifestActions(OperatorActions actions, ManifestItemPages pages, IBackgroundJobClient jobs, IOptions<JobsOptions> options)
{
    /// <param name="cause">A retry of one failure cause only (<see cref="FailureCauses"/>).</param>
    public async Task<ActionTaken> TakeAsync(Guid manifestId, string manifestName, ManifestAction action, ItemState[] retryStates, string actor,
        CancellationToken ct, string? cause = null)
    {
        var limit = options.Value.InlineActionItems;
        if ((await pages.IdsAsync(manifestId, Touched(action, retryStates), 0, limit + 1, ct, cause)).Length <= limit)
            return await RunAsync(manifestId, manifestName, action, retryStates, actor, ct, cause);
        var jobId = cause is null
            ? jobs.Enqueue<ManifestActions>(a => a.RunJobAsync(action, manifestName, manifestId, retryStates, actor, CancellationToken.None))
            : jobs.Enqueue<ManifestActions>(a => a.RetryCauseJobAsync(manifestName, manifestId, retryStates, cause, actor, CancellationToken.None));
        return new(action, null, null, jobId, $"More than {limit} item(s): {Verb(action)} manifest {manifestName} in the background " +
            $"(Hangfire job {jobId}, under Jobs); its items change as it goes.");
    }

    /// <summary>The job: the action over the whole manifest, its outcome kept as the job's result.</summary>
    [Queue(Queues.Operations)]
    [JobDisplayName("{0} manifest {1}")]
    [AutomaticRetry(Attempts = 3)]
    public async Task<string> RunJobAsync(ManifestAction action, string manifestName, Guid manifestId, ItemState[] retryStates, string actor,
        CancellationToken ct) => (await RunAsync(manifestId, manifestName, action, retryStates, actor, ct)).Message;

    /// <summary>The job of a retry of one failure cause (a job of its own, so jobs queued by earlier versions keep their signature).</summary>
    [Queue(Queues.Operations)]
    [JobDisplayName("Retry {2} items of manifest {0}")]
    [AutomaticRetry(Attempts = 3)]
    public async Task<string> RetryCauseJobAsync(string manifestName, Guid manifestId, ItemState[] retryStates, string cause, string actor, CancellationToken ct) =>
        (await RunAsync(manifestId, manifestName, ManifestAction.Retry, retryStates, actor, ct, cause)).Message;

    private async Task<ActionTaken> RunAsync(Guid manifestId, string manifestName, ManifestAction action, ItemState[] retryStates, string actor,
        CancellationToken ct, string? cause = null)
    {
        if (action == ManifestAction.Retry)
        {
            var report = await actions.RetryAsync(manifestId, retryStates, actor, ct, cause);
            return new(action, report.Moved, report, null, $"Retry: {report.Describe(manifestName)}");
        }
        var moved = action switch
        {
            ManifestAction.Cancel => await actions.CancelAsync(manifestId, actor, ct),
            ManifestAction.Hold => await actions.HoldAsync(manifestId, actor, ct),
            _ => await actions.ReleaseAsync(manifestId, actor, ct),
        };
        return new(action, moved, null, null, $"{moved} item(s) {Past(action)}.");
    }

    private static ItemState[] Touched(ManifestAction action, ItemState[] retryStates) => action switch
    {
        ManifestAction.Retry => retryStates,
        ManifestAction.Cancel => OperatorTransitions.Cancellable,
        ManifestAction.Hold => [ItemState.Pending],
        _ => [ItemState.Held],
    };

    private static string Verb(ManifestAction action) => action switch
    {
        ManifestAction.Retry => "retrying",
        ManifestAction.Cancel => "cancelling",
        ManifestAction.Hold => "holding",
        _ => "releasing",
    };

    private static string Past(ManifestAction action) => action switch
    {
        ManifestAction.Cancel => "cancelled",
        ManifestAction.Hold => "held",
        _ => "released",
    };
}
