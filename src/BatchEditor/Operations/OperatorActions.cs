using BatchEditor.Items;
using BatchEditor.Providers;

namespace BatchEditor.Operations;

/// <summary>
/// What an operator can do, for the CLI and the dashboard alike: resolve items that need review (adopt a job that exists
/// at the provider, resubmit, fail; keep or release the charge of a submit that was cancelled or answered late), retry,
/// cancel, hold and release whole manifests. Every change goes through <see cref="OperatorTransitions"/>, guarded on the
/// state it expects; an item that moved meanwhile is reported, not forced.
/// </summary>
public sealed class OperatorActions(ReviewQueries queries, OperatorTransitions transitions, ManifestItemPages pages, LedgerQueries ledger,
    ProviderRegistry providers, Manifests.ManifestFinisher finisher, PromptRows promptRows)
{

    /// <summary>The result of acting on one item: whether it moved, and what to tell the operator.</summary>
    public sealed record Outcome(bool Done, string Message);

    /// <summary>
    /// One review decision as an operator states it (CLI flags, a dashboard form, an API body): <c>adopt</c> with the
    /// provider's job reference, <c>resubmit</c>, <c>fail</c> with an optional note, <c>keep</c> or <c>release</c>.
    /// </summary>
    public sealed record ReviewDecision(string Action, string? Reference = null, string? Note = null);

    /// <summary>What a retry did: items copied again from paid outputs, items submitted again, items it refused.</summary>
    /// <param name="PaidAgainCredits">What the runs left behind by <paramref name="Resubmitted"/> cost: a new run is charged again.</param>
    public sealed record RetryReport(int Recopied, int Resubmitted, int ChargedBefore, decimal PaidAgainCredits, decimal? PaidAgainUsd, int Unsettled)
    {
        public int Moved => Recopied + Resubmitted;

        /// <summary>One sentence per kind of outcome, for the CLI, the API and the dashboard.</summary>
        /// <param name="sayWorker">Add that a worker must run (the CLI says instead whether one does).</param>
        public string Describe(string? manifest = null, bool sayWorker = true)
        {
            var parts = new List<string>();
            if (Recopied > 0) parts.Add($"{Recopied} item(s) will be copied again from the outputs already paid for (no new charge)");
            if (Resubmitted > 0)
                parts.Add($"{Resubmitted} item(s) will be submitted again as a new run" + (ChargedBefore > 0
                    ? $"; {ChargedBefore} of them were charged before ({Money(PaidAgainCredits, PaidAgainUsd)}) and a new submit is charged again"
                    : ""));
            if (Unsettled > 0)
                parts.Add($"{Unsettled} item(s) not retried: a submit of theirs may have been billed and is not settled " +
                          $"(`batch-editor review{(manifest is null ? "" : $" {manifest}")}` shows them; adopt, keep or release it first)");
            if (parts.Count == 0) parts.Add("nothing to retry");
            return string.Join("; ", parts) + (Moved > 0 && sayWorker ? ". A worker must be running to do it." : ".");
        }
    }

    public async Task<Outcome> ResolveAsync(long itemId, ReviewDecision decision, string actor, CancellationToken ct) =>
        decision.Action.Trim().ToLowerInvariant() switch
        {
            "adopt" when !string.IsNullOrWhiteSpace(decision.Reference) => await AdoptAsync(itemId, decision.Reference.Trim(), actor, ct),
            "adopt" => new(false, "adopt needs the provider's job reference"),
            "resubmit" => await ResubmitAsync(itemId, actor, ct),
            "fail" => await FailAsync(itemId, actor, decision.Note, ct),
            "keep" => await KeepAsync(itemId, actor, ct),
            "release" => await ReleaseChargeAsync(itemId, actor, ct),
            _ => new(false, $"unknown action '{decision.Action}': adopt, resubmit, fail, keep or release"),
        };

    public async Task<Outcome> ResubmitAsync(long itemId, string actor, CancellationToken ct)
    {
        if (await ReviewedItemAsync(itemId, ct) is not { } item) return await NotInReview(itemId, ct);
        // The transition refuses by itself (under the item's lock) when an answer arrived; this only explains why.
        if (await transitions.ResubmitReviewed(itemId, item.Run, actor, ct))
            return new(true, $"item {itemId} ({item.RowId}) will be submitted again; its possible charge is released");
        if ((await queries.AttemptsAsync(itemId, ct)).LastOrDefault(a => a.Unsettled && a.Late is not null) is { } answered)
            return new(false, $"item {itemId}: attempt {answered.Id} was answered ({answered.Late!.Summary}, {answered.JobId}): the job exists and is billed. " +
                $"Adopt it (--adopt {answered.JobId}) or give the item up (--fail) instead of paying again");
        return await NotInReview(itemId, ct);
    }

    public async Task<Outcome> FailAsync(long itemId, string actor, string? note, CancellationToken ct)
    {
        if (await ReviewedItemAsync(itemId, ct) is not { } item) return await NotInReview(itemId, ct);
        var (credits, usd) = await ledger.ChargedAsync(itemId, item.Run, ct);
        var kept = credits != 0 || (usd ?? 0) != 0 ? $"; its possible charge ({Money(credits, usd)}) stays on the ledger, as it may have been billed" : "";
        return await transitions.FailReviewed(itemId, actor, $"failed by {actor} after review{(note is null ? "" : $": {note}")}{kept}", ct)
            ? new(true, $"item {itemId} ({item.RowId}) failed{kept}")
            : await NotInReview(itemId, ct);
    }

    /// <summary>
    /// Adopts a job instead of paying again: one recorded on an attempt (a late answer, with its outputs or its status URL),
    /// or one the operator found on the provider's dashboard, polled by id. The item waits for review, or was cancelled
    /// while its request was out.
    /// </summary>
    public async Task<Outcome> AdoptAsync(long itemId, string reference, string actor, CancellationToken ct)
    {
        if (await queries.ItemAsync(itemId, ct) is not { } item || Array.IndexOf(OperatorTransitions.Adoptable, item.State) < 0)
            return await NotInReview(itemId, ct, "NeedsReview or Cancelled");
        var late = (await queries.AttemptsAsync(itemId, ct)).LastOrDefault(a => a.JobId == reference && a.Late is not null)?.Late;
        if (late?.Outputs is { Count: > 0 } outputs)
        {
            var (credits, usd) = await ledger.ChargedAsync(item.Id, item.Run, ct);
            var adjustment = late.Cost is { } cost ? LedgerEntry.Adjustment(credits, usd, cost) : null;
            return await transitions.AdoptOutputs(itemId, item.Run, actor, reference, outputs, adjustment, ct)
                ? new(true, $"item {itemId} ({item.RowId}): {outputs.Count} output(s) of {reference} will be copied")
                : await NotInReview(itemId, ct, "NeedsReview or Cancelled");
        }
        var job = late?.Job ?? providers.Find(item.Provider)?.JobFromId(reference, item.Model);
        if (job is null)
            return new(false, $"item {itemId}: {item.Provider} answers at once and keeps no job to poll, and no answer was recorded as {reference}");
        return await transitions.AdoptJob(itemId, item.Run, actor, job, ct)
            ? new(true, $"item {itemId} ({item.RowId}): {item.Provider} job {job.JobId} adopted; it will be polled")
            : await NotInReview(itemId, ct, "NeedsReview or Cancelled");
    }

    /// <summary>An unsettled submit of an item not in review: its charge stands; the item may be paid for again.</summary>
    public async Task<Outcome> KeepAsync(long itemId, string actor, CancellationToken ct)
    {
        if (await UnsettledItemAsync(itemId, ct) is not { } item) return await NothingUnsettled(itemId, ct);
        return await transitions.KeepCharges(itemId, item.State, actor, ct)
            ? new(true, $"item {itemId} ({item.RowId}): the charge of its unsettled submit stays on the ledger; the item can be retried (and paid for) again")
            : await NothingUnsettled(itemId, ct);
    }

    /// <summary>No job exists for an unsettled submit that never answered: its possible charge is released.</summary>
    public async Task<Outcome> ReleaseChargeAsync(long itemId, string actor, CancellationToken ct)
    {
        if (await UnsettledItemAsync(itemId, ct) is not { } item) return await NothingUnsettled(itemId, ct);
        if (await transitions.ReleaseCharges(itemId, item.State, actor, ct))
            return new(true, $"item {itemId} ({item.RowId}): the possible charge of its unsettled submit is released");
        if ((await queries.AttemptsAsync(itemId, ct)).LastOrDefault(a => a.Unsettled && a.Late is not null) is { } answered)
            return new(false, $"item {itemId}: attempt {answered.Id} was answered ({answered.Late!.Summary}): the job exists, so its charge cannot be released; " +
                $"adopt it (--adopt {answered.JobId}) or keep it (--keep)");
        return await NothingUnsettled(itemId, ct);
    }

    /// <summary>
    /// Runs the manifest's items in <paramref name="states"/> again: Failed items whose paid outputs are still there are
    /// copied again (no new charge); the others are submitted again as a new run; items with an unsettled submit are refused.
    /// </summary>
    /// <param name="cause">Only the items of this failure cause (<see cref="FailureCauses"/>), all of them, page by page.</param>
    /// <param name="promptTemplate">Run them with this new prompt (<c>{column}</c> filled from each row): always a new run, never a recopy.</param>
    public async Task<RetryReport> RetryAsync(Guid manifestId, ItemState[] states, string actor, CancellationToken ct, string? cause = null,
        string? promptTemplate = null)
    {
        var report = new RetryReport(0, 0, 0, 0, null, 0);
        for (long after = 0; ;)
        {
            var ids = await pages.IdsAsync(manifestId, states, after, ManifestItemPages.Page, ct, cause);
            if (ids.Length == 0) break;
            report = Add(report, promptTemplate is null ? await RetryPageAsync(ids, states, actor, ct) : await RetryPageWithPromptAsync(ids, states, promptTemplate, actor, ct));
            after = ids[^1];
        }
        if (report.Moved > 0) await finisher.ReopenAsync(manifestId, ct); // it will finish (and be reported) again
        return report;
    }

    /// <summary>Chosen items (the dashboard's and the API's item actions), as <see cref="RetryAsync"/> does for a manifest.</summary>
    public Task<RetryReport> RetryItemsAsync(long[] ids, string actor, CancellationToken ct) => RetryPageAsync(ids, OperatorTransitions.Retryable, actor, ct);

    private async Task<RetryReport> RetryPageAsync(long[] ids, ItemState[] states, string actor, CancellationToken ct)
    {
        var recopied = states.Contains(ItemState.Failed) ? await transitions.Recopy(ids, actor, ct) : [];
        var rest = ids.Except(recopied).ToArray();
        var resubmitted = rest.Length == 0 ? [] : await transitions.Retry(rest, states, actor, ct);
        var (credits, usd, chargedBefore) = await ledger.ChargedForRunsAsync(resubmitted, ct);
        var unsettled = await queries.CountUnsettledAsync(rest.Except(resubmitted.Select(r => r.Id)).ToArray(), states, ct);
        return new(recopied.Count, resubmitted.Count, chargedBefore, credits, usd, unsettled);
    }

    private async Task<RetryReport> RetryPageWithPromptAsync(long[] ids, ItemState[] states, string promptTemplate, string actor, CancellationToken ct)
    {
        var template = new Manifests.PromptTemplate(promptTemplate);
        var rows = await promptRows.ForAsync(ids, ct);
        var resubmitted = await transitions.RerunWithPrompts([.. rows.Select(r => r.Id)], states,
            [.. rows.Select(r => template.Fill(column => r.Columns.GetValueOrDefault(column)))], $"retried by {actor} with a new prompt", actor, ct);
        var (credits, usd, chargedBefore) = await ledger.ChargedForRunsAsync(resubmitted, ct);
        var unsettled = await queries.CountUnsettledAsync(ids.Except(resubmitted.Select(r => r.Id)).ToArray(), states, ct);
        return new(0, resubmitted.Count, chargedBefore, credits, usd, unsettled);
    }

    private static RetryReport Add(RetryReport a, RetryReport b) => new(a.Recopied + b.Recopied, a.Resubmitted + b.Resubmitted,
        a.ChargedBefore + b.ChargedBefore, a.PaidAgainCredits + b.PaidAgainCredits,
        a.PaidAgainUsd is null && b.PaidAgainUsd is null ? null : (a.PaidAgainUsd ?? 0) + (b.PaidAgainUsd ?? 0), a.Unsettled + b.Unsettled);

    public Task<int> CancelAsync(Guid manifestId, string actor, CancellationToken ct) =>
        pages.ForEachAsync(manifestId, OperatorTransitions.Cancellable, ids => transitions.Cancel(ids, actor, ct), ct);

    /// <param name="reason">Why, for the items (default: held by the actor).</param>
    public Task<int> HoldAsync(Guid manifestId, string actor, CancellationToken ct, string? reason = null) =>
        pages.ForEachAsync(manifestId, [ItemState.Pending], ids => transitions.Hold(ids, actor, ct, reason), ct);

    public Task<int> ReleaseAsync(Guid manifestId, string actor, CancellationToken ct) =>
        pages.ForEachAsync(manifestId, [ItemState.Held], ids => transitions.ReleaseHeld(ids, actor, ct), ct);

    public async Task<int> CancelItemsAsync(long[] ids, string actor, CancellationToken ct) => (await transitions.Cancel(ids, actor, ct)).Count;

    public async Task<int> HoldItemsAsync(long[] ids, string actor, CancellationToken ct) => (await transitions.Hold(ids, actor, ct)).Count;

    public async Task<int> ReleaseItemsAsync(long[] ids, string actor, CancellationToken ct) => (await transitions.ReleaseHeld(ids, actor, ct)).Count;

    private async Task<ReviewQueries.ItemInfo?> ReviewedItemAsync(long itemId, CancellationToken ct) =>
        await queries.ItemAsync(itemId, ct) is { State: ItemState.NeedsReview } item ? item : null;

    private async Task<ReviewQueries.ItemInfo?> UnsettledItemAsync(long itemId, CancellationToken ct) =>
        await queries.ItemAsync(itemId, ct) is { State: not (ItemState.NeedsReview or ItemState.Submitting) } item
        && (await queries.AttemptsAsync(itemId, ct)).Any(a => a.Unsettled) ? item : null;

    private async Task<Outcome> NotInReview(long itemId, CancellationToken ct, string expected = "NeedsReview") =>
        await queries.ItemAsync(itemId, ct) is { } item
            ? new(false, $"item {itemId} ({item.RowId}) is {item.State}, not {expected}: {item.Reason}")
            : new(false, $"no item {itemId}");

    private async Task<Outcome> NothingUnsettled(long itemId, CancellationToken ct) =>
        await queries.ItemAsync(itemId, ct) is { } item
            ? new(false, item.State == ItemState.NeedsReview
                ? $"item {itemId} ({item.RowId}) waits for review: use --adopt, --resubmit or --fail"
                : $"item {itemId} ({item.RowId}) is {item.State} and has no unsettled submit to keep or release")
            : new(false, $"no item {itemId}");

    private static string Money(decimal credits, decimal? usd) => Totals.Money.Entry(credits, usd, estimated: false).ToString();
}
