using BatchEditor.Items;
using BatchEditor.Providers;
using Microsoft.Extensions.Options;

namespace BatchEditor.Engine;

/// <summary>
/// Submitting → Running | Copying | Pending (retry) | Failed | NeedsReview. The request leaves only through the fence
/// (<see cref="Leases.TryMarkSentAsync"/>), after every preparation that can fail on its own; an answer that comes back
/// after the item was taken from this worker is recorded for adoption, never dropped.
/// </summary>
public sealed class SubmitStep(ProviderRegistry providers, Leases leases, ItemTransitions transitions, ProviderBreaker breaker,
    Budgets.BudgetGuard budgets, Polling.JobLatencies latencies, IOptions<WorkerOptions> options, EngineLog log, Telemetry.BatchEditorMetrics metrics, TimeProvider clock)
{
    /// <param name="ct">Cancelled when the lease is lost or the worker stops: stops the preparation, never a request in flight.</param>
    /// <param name="hardStop">Cancelled only when the shutdown grace is over: the one thing that abandons a request in flight.</param>
    public async Task RunAsync(ClaimedItem item, string owner, CancellationToken ct, CancellationToken hardStop)
    {
        if (!providers.TryGet(item.Provider, out var provider, out var settings))
        {
            await transitions.Release(item, owner, $"provider '{item.Provider}' is not configured on worker {owner}", clock.GetUtcNow().AddMinutes(1), ct);
            return;
        }
        var lease = options.Value.LeaseDuration;
        var fence = new SubmitFence(token => leases.TryMarkSentAsync(item, lease, token), hardStop);
        SubmitOutcome outcome;
        try
        {
            outcome = await provider.SubmitAsync(item.Request, fence, ct);
        }
        catch (OperationCanceledException) when (!fence.Passed)
        {
            // Lost the lease or stopping, before anything left: hand the item back (a no-op if it was taken).
            await transitions.Release(item, owner, "worker stopped before the submit was sent; it will be submitted again", clock.GetUtcNow(), CancellationToken.None);
            return;
        }
        catch (Exception e) when (!fence.Passed && e is not OperationCanceledException)
        {
            // The request could not even be prepared (a full disk for OpenAI's input files, say): nothing left, so wait and retry.
            outcome = new SubmitOutcome.Rejected($"the request could not be prepared: {e.Message}", null, Retryable: true, null);
        }
        if (fence.Passed) metrics.ProviderCalled(item.Provider, "submit", Telemetry.OutcomeName.Of(outcome));
        // Only what the provider's endpoint did counts for its breaker, not an input that could not be fetched.
        if (fence.Passed) await breaker.RecordAsync(item.Provider, settings, outcome, CancellationToken.None);
        // From here the outcome must be written whatever happens to the worker: the provider may have acted on it.
        if (!await RecordAsync(item, owner, provider, settings, outcome, CancellationToken.None))
            await KeepLateAnswerAsync(item, owner, outcome);
        var reported = outcome switch { SubmitOutcome.Accepted a => a.Cost, SubmitOutcome.Completed c => c.Cost, _ => null };
        await budgets.PauseIfBelowFloorAsync(item.Provider, settings, reported, owner, CancellationToken.None);
    }

    private async Task<bool> RecordAsync(ClaimedItem item, string owner, IImageEditProvider provider, ProviderSettings settings, SubmitOutcome outcome, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var opts = options.Value;
        switch (outcome)
        {
            case SubmitOutcome.NotSent notSent:
                log.NotSent(item.Id, item.RowId, notSent.Reason);
                return true; // nothing left this machine and the item is someone else's: nothing to write
            case SubmitOutcome.Accepted accepted:
                var learned = latencies.For(Polling.JobLatencies.KindOf(item));
                var firstPoll = now + Max(accepted.FirstPollAfter, Polling.PollTiming.NextWait(learned, TimeSpan.Zero, settings));
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
    /// The item was taken from this worker while its request was out (the rescuer parked it, an operator acted): what
    /// the provider answered is kept on the attempt, and the item waiting for review says how to adopt it.
    /// </summary>
    private async Task KeepLateAnswerAsync(ClaimedItem item, string owner, SubmitOutcome outcome)
    {
        if (LateResult.From(outcome) is not { } late || item.AttemptId is not { } attemptId)
        {
            log.LateAnswerDropped(item.Id, item.RowId, outcome.ToString());
            return;
        }
        var reference = await leases.RecordLateResultAsync(attemptId, late, CancellationToken.None);
        log.LateAnswerKept(item.Id, item.RowId, reference);
        await transitions.LateResultNoted(item.Id, owner,
            $"the submit of worker {owner} was answered after it lost the item: {late.Summary} ({reference}); it may be billed. " +
            $"Adopt it with `batch-editor review resolve {item.Id} --adopt {reference}` instead of paying again", CancellationToken.None);
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;
    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;
}
