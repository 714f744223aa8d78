using BatchEditor.Items;
using BatchEditor.Providers;
using Microsoft.Extensions.Options;

namespace BatchEditor.Engine;

/// <summary>
/// Submitting → Running | Copying | Pending (retry) | Failed | NeedsReview. The request leaves only through the fence
/// (<see cref="Leases.TryMarkSentAsync"/>), after every preparation that can fail on its own, and only if the lease is
/// still proven just before its first byte; an answer is always kept: written with the item's move, recorded as a late
/// answer when the item was taken from this worker, or spilled to disk when the database will not take it.
/// </summary>
public sealed class SubmitStep(ProviderRegistry providers, Leases leases, ItemTransitions transitions, ProviderBreaker breaker,
    Budgets.BudgetGuard budgets, Polling.JobLatencies latencies, AnswerSpill spill, WorkerShutdown shutdown, IOptions<WorkerOptions> options,
    EngineLog log, Telemetry.BatchEditorMetrics metrics, TimeProvider clock)
{
    /// <param name="ct">Cancelled when the lease is lost or the worker stops: stops the preparation, never a request in flight
    /// (only <see cref="WorkerShutdown.HardStop"/> abandons one).</param>
    public async Task RunAsync(ClaimedItem item, string owner, LeaseKeeper.Held lease, CancellationToken ct)
    {
        if (!providers.TryGet(item.Provider, out var provider, out var settings))
        {
            await transitions.Release(item, owner, $"provider '{item.Provider}' is not configured on worker {owner}", item.Now().AddMinutes(1), ct);
            return;
        }
        var duration = options.Value.LeaseDuration;
        var fence = new SubmitFence(async token =>
            {
                var sentAt = clock.GetTimestamp();
                if (!await leases.TryMarkSentAsync(item, duration, token)) return false;
                lease.Extended(sentAt, duration);
                return true;
            },
            shutdown.HardStop,
            // A stop that begins between the mark and the first byte still hands the item back unsent.
            () => lease.StillHeld && !shutdown.Stopping.IsCancellationRequested);
        SubmitOutcome outcome;
        try
        {
            outcome = await provider.SubmitAsync(item.Request, fence, ct);
        }
        catch (OperationCanceledException) when (!fence.Passed)
        {
            // Lost the lease or stopping, before anything left: hand the item back (a no-op if it was taken).
            await HandBackAsync(item, owner, "worker stopped before the submit was sent; it will be submitted again");
            return;
        }
        catch (Exception e) when (!fence.Passed && e is not OperationCanceledException)
        {
            // The request could not even be prepared (a full disk for OpenAI's input files, say): nothing left, so wait and retry.
            outcome = new SubmitOutcome.Rejected($"the request could not be prepared: {e.Message}", null, Retryable: true, null);
        }
        if (outcome is SubmitOutcome.NotSent { Withdrawn: true } withdrawn)
        {
            await WithdrawnAsync(item, owner, withdrawn.Reason);
            return;
        }
        if (fence.Passed) metrics.ProviderCalled(item.Provider, "submit", Telemetry.OutcomeName.Of(outcome));
        // Only what the provider's endpoint did counts for its breaker, not an input that could not be fetched.
        if (fence.Passed) await breaker.RecordAsync(item.Provider, settings, outcome, CancellationToken.None);
        await KeepAnswerAsync(item, owner, provider, settings, outcome);
        var reported = outcome switch { SubmitOutcome.Accepted a => a.Cost, SubmitOutcome.Completed c => c.Cost, _ => null };
        try { await budgets.PauseIfBelowFloorAsync(item.Provider, settings, reported, owner, shutdown.Deadline); }
        catch (Exception e) when (e is Npgsql.NpgsqlException or OperationCanceledException) { log.StepFailed(e, "credit floor", item.Id, item.RowId); }
    }

    /// <summary>An answer the spill kept: recorded as it would have been, or as a late answer if the item moved on meanwhile.</summary>
    public async Task ReplayAsync(SpilledAnswer spilled, ClaimedItem current, CancellationToken ct)
    {
        var item = current with { LeaseToken = spilled.LeaseToken, AttemptId = spilled.AttemptId };
        var outcome = spilled.Answer.ToOutcome(spilled.HttpStatus);
        var provider = providers.Find(item.Provider);
        var settings = provider is not null && providers.TryGet(item.Provider, out _, out var s) ? s : null;
        if (provider is null || settings is null || !await RecordAsync(item, spilled.Owner, provider, settings, outcome, ct))
            await RecordLateAsync(item, spilled.Owner, outcome, ct);
        log.SpillReplayed(item.Id, item.RowId, spilled.Answer.JobId ?? $"attempt:{spilled.AttemptId}");
    }

    /// <summary>
    /// Writes the answer whatever happens to the worker, since the provider may have acted on it: with the item's move; as a
    /// late answer when the item was taken from this worker; to the spill when the database will not take it within
    /// <see cref="WorkerOptions.AnswerRecordWindow"/> (or before the stop's deadline).
    /// </summary>
    private async Task KeepAnswerAsync(ClaimedItem item, string owner, IImageEditProvider provider, ProviderSettings settings, SubmitOutcome outcome)
    {
        using var window = CancellationTokenSource.CreateLinkedTokenSource(shutdown.Deadline);
        window.CancelAfter(options.Value.AnswerRecordWindow);
        try
        {
            if (!await RecordAsync(item, owner, provider, settings, outcome, window.Token))
                await RecordLateAsync(item, owner, outcome, window.Token);
        }
        catch (Exception e)
        {
            await SpillAsync(item, owner, outcome, e);
        }
    }

    private async Task SpillAsync(ClaimedItem item, string owner, SubmitOutcome outcome, Exception error)
    {
        if (LateResult.From(outcome) is not { } answer || item.AttemptId is not { } attemptId || item.LeaseToken is not { } token)
        {
            // Nothing the provider created is known (a refusal, an unclear answer): the lease lapses and the rescuer decides.
            log.AnswerNotRecorded(error, item.Id, item.RowId, outcome.ToString());
            return;
        }
        // The log line first: it carries the job id even if the disk fails too.
        log.AnswerSpilling(error, item.Id, item.RowId, item.Provider, answer.JobId ?? $"attempt:{attemptId}", answer.Summary);
        var status = outcome switch { SubmitOutcome.Accepted a => a.HttpStatus, SubmitOutcome.Completed c => c.HttpStatus, _ => 0 };
        try
        {
            var path = await spill.WriteAsync(new SpilledAnswer(item.Id, attemptId, token, owner, item.Provider, item.RowId, status, answer, item.Now()),
                CancellationToken.None);
            log.AnswerSpilled(item.Id, item.RowId, path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            log.SpillFailed(e, item.Id, item.RowId, answer.JobId ?? $"attempt:{attemptId}");
        }
    }

    private async Task<bool> RecordAsync(ClaimedItem item, string owner, IImageEditProvider provider, ProviderSettings settings, SubmitOutcome outcome, CancellationToken ct)
    {
        var now = item.Now();
        var opts = options.Value;
        switch (outcome)
        {
            case SubmitOutcome.NotSent notSent:
                log.NotSent(item.Id, item.RowId, notSent.Reason);
                return true; // nothing left this machine and the item is someone else's: nothing to write
            case SubmitOutcome.Accepted accepted:
                var learned = latencies.For(Polling.JobLatencies.KindOf(item));
                var firstPoll = now + Max(accepted.FirstPollAfter, Polling.PollTiming.NextWait(learned, TimeSpan.Zero, polled: 0, settings));
                return await transitions.SubmitAccepted(item, owner, accepted, firstPoll, accepted.Cost ?? provider.Estimate(item.Request), ct);
            case SubmitOutcome.Completed { Outputs.Count: 0 } empty:
                return await transitions.SubmitCompletedEmpty(item, owner,
                    $"{item.Provider} reported the edit done but returned no image: {empty.ProviderText ?? "(no text)"}", empty.HttpStatus,
                    empty.Cost ?? provider.Estimate(item.Request), ct);
            case SubmitOutcome.Completed completed:
                return await transitions.SubmitCompleted(item, owner, completed, completed.Cost ?? provider.Estimate(item.Request), ct);
            case SubmitOutcome.Rejected { Retryable: true } rejected when item.RetryingSince is not { } since || now - since < opts.SubmitRetryWindow:
                // Nothing was created: wait it out (capped back-off), however many attempts a provider outage takes.
                var backoff = Backoff.Exponential(item.SubmitAttempts, opts.FirstRetryDelay, opts.MaxRetryDelay);
                var delay = rejected.RetryAfter is { } after && after > TimeSpan.Zero ? Min(after, opts.MaxRetryDelay) : backoff;
                var waiting = item.RetryingSince is { } first ? $", waiting since {first:u}" : "";
                return await transitions.SubmitRetryLater(item, owner,
                    $"{rejected.Reason}; nothing was created, attempt {item.SubmitAttempts + 1} in {delay.TotalSeconds:0.#} s{waiting}",
                    now + delay, rejected.HttpStatus, ct);
            case SubmitOutcome.Rejected rejected when NextOnRoute(item) is { } next:
                // Refused, and nothing was created: the route's next choice takes it instead of failing it.
                return await transitions.SubmitRerouted(item, owner, next, rejected.Reason, rejected.HttpStatus, ct);
            case SubmitOutcome.Rejected rejected:
                var suffix = rejected.Retryable ? $" (still refused after {opts.SubmitRetryWindow} and {item.SubmitAttempts} attempts; nothing was created)" : "";
                return await transitions.SubmitRejected(item, owner, rejected.Reason + suffix, rejected.HttpStatus, ct);
            case SubmitOutcome.Ambiguous ambiguous:
                log.SentToReview(item.Id, item.RowId, item.Provider, ambiguous.Reason);
                return await transitions.SubmitUncertain(item, owner, ambiguous.Reason, ambiguous.HttpStatus, provider.Estimate(item.Request), ct);
            default:
                throw new InvalidOperationException($"unknown submit outcome {outcome}");
        }
    }

    /// <summary>
    /// The item was taken from this worker while its request was out (the rescuer parked it, an operator cancelled or
    /// resubmitted it): what the provider answered is kept on the attempt and booked, and `review` lists it.
    /// </summary>
    private async Task RecordLateAsync(ClaimedItem item, string owner, SubmitOutcome outcome, CancellationToken ct)
    {
        if (LateResult.From(outcome) is not { } late || item.AttemptId is not { } attemptId)
        {
            if (outcome is not SubmitOutcome.NotSent) log.LateAnswerDropped(item.Id, item.RowId, outcome.ToString());
            return;
        }
        var reference = await leases.RecordLateResultAsync(attemptId, late, providers.Estimate(item.Provider, item.Request), owner, ct);
        log.LateAnswerKept(item.Id, item.RowId, reference);
    }

    /// <summary>The request was withdrawn after its send mark, before any byte left: hand the item back, or say so on the attempt.</summary>
    private async Task WithdrawnAsync(ClaimedItem item, string owner, string reason)
    {
        log.NotSent(item.Id, item.RowId, reason);
        try
        {
            if (!await transitions.Release(item, owner, $"not sent: {reason}; it will be submitted again", item.Now(), shutdown.Deadline) && item.AttemptId is { } attemptId)
                await leases.RecordWithdrawnAsync(attemptId, reason, shutdown.Deadline);
        }
        catch (Exception e) when (e is Npgsql.NpgsqlException or OperationCanceledException or TimeoutException)
        {
            log.StepFailed(e, "withdrawn submit", item.Id, item.RowId); // the lease lapses; the attempt says sent, so review decides
        }
    }

    private async Task HandBackAsync(ClaimedItem item, string owner, string reason)
    {
        try { await transitions.Release(item, owner, reason, item.Now(), shutdown.Deadline); }
        catch (Exception e) when (e is Npgsql.NpgsqlException or OperationCanceledException or TimeoutException)
        {
            log.StepFailed(e, "hand back", item.Id, item.RowId); // no send mark: the rescuer requeues it once the lease lapses
        }
    }

    /// <summary>The first choice after the item's current one on its route that this worker can send to; null without one.</summary>
    private RouteChoice? NextOnRoute(ClaimedItem item)
    {
        if (item.Route is not { } route) return null;
        var current = Array.IndexOf(route, new RouteChoice(item.Provider, item.Request.Model).ToString());
        return route.Skip(current + 1).Select(RouteChoice.Parse).FirstOrDefault(c => providers.TryGet(c.Provider, out _, out _));
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;
    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;
}
