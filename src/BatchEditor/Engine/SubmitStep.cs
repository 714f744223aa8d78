using BatchEditor.Items;
using BatchEditor.Providers;
using Microsoft.Extensions.Options;

namespace BatchEditor.Engine;

/// <summary>Submitting → Running | Copying | Pending (retry) | Failed | NeedsReview.</summary>
public sealed class SubmitStep(ProviderRegistry providers, ItemClaimer claimer, ItemTransitions transitions,
    IOptions<WorkerOptions> options, TimeProvider clock)
{
    public async Task RunAsync(ClaimedItem item, string owner, CancellationToken ct)
    {
        if (!providers.TryGet(item.Provider, out var provider, out var settings))
        {
            await transitions.Release(item, owner, $"provider '{item.Provider}' is not configured on worker {owner}", clock.GetUtcNow().AddMinutes(1), ct);
            return;
        }

        await claimer.MarkSentAsync(item.AttemptId!.Value, ct);
        var outcome = await provider.SubmitAsync(item.Request, ct);
        var now = clock.GetUtcNow();
        switch (outcome)
        {
            case SubmitOutcome.Accepted accepted:
                var firstPoll = now + Max(accepted.FirstPollAfter, settings.MinPollInterval);
                await transitions.SubmitAccepted(item, owner, accepted, firstPoll, accepted.Cost ?? provider.Estimate(item.Request), ct);
                break;
            case SubmitOutcome.Completed completed:
                await transitions.SubmitCompleted(item, owner, completed, completed.Cost ?? provider.Estimate(item.Request), ct);
                break;
            case SubmitOutcome.Rejected { Retryable: true } rejected when item.SubmitAttempts < options.Value.MaxSubmitAttempts:
                var delay = rejected.RetryAfter ?? Backoff.Exponential(item.SubmitAttempts, TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(5));
                await transitions.SubmitRetryLater(item, owner,
                    $"{rejected.Reason}; nothing was created, retry {item.SubmitAttempts + 1} in {delay.TotalSeconds:0.#} s",
                    now + delay, rejected.HttpStatus, ct);
                break;
            case SubmitOutcome.Rejected rejected:
                var suffix = rejected.Retryable ? $" (gave up after {item.SubmitAttempts} attempts)" : "";
                await transitions.SubmitRejected(item, owner, rejected.Reason + suffix, rejected.HttpStatus, ct);
                break;
            case SubmitOutcome.Ambiguous ambiguous:
                await transitions.SubmitUncertain(item, owner, ambiguous.Reason, ambiguous.HttpStatus, ct);
                break;
        }
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;
}
