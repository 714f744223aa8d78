using BatchEditor.Items;
using BatchEditor.Providers;
using BatchEditor.Usage;

namespace BatchEditor.Operations;

/// <summary>
/// What an operator can do, for the CLI and the dashboard alike: resolve items that need review (resubmit, fail, adopt a
/// job that exists at the provider), retry, cancel, hold and release whole manifests. Every change goes through
/// <see cref="OperatorTransitions"/>, guarded on the state it expects; an item that moved meanwhile is reported, not forced.
/// </summary>
public sealed class OperatorActions(ReviewQueries queries, OperatorTransitions transitions, LedgerQueries ledger, ProviderRegistry providers)
{
    private const int Page = 5_000;

    /// <summary>The result of acting on one item: whether it moved, and what to tell the operator.</summary>
    public sealed record Outcome(bool Done, string Message);

    /// <summary>
    /// One review decision as an operator states it (CLI flags, a dashboard form, an API body): <c>adopt</c> with the
    /// provider's job reference, <c>resubmit</c>, or <c>fail</c> with an optional note.
    /// </summary>
    public sealed record ReviewDecision(string Action, string? Reference = null, string? Note = null);

    public async Task<Outcome> ResolveAsync(long itemId, ReviewDecision decision, string actor, CancellationToken ct) =>
        decision.Action.Trim().ToLowerInvariant() switch
        {
            "adopt" when !string.IsNullOrWhiteSpace(decision.Reference) => await AdoptAsync(itemId, decision.Reference.Trim(), actor, ct),
            "adopt" => new(false, "adopt needs the provider's job reference"),
            "resubmit" => await ResubmitAsync(itemId, actor, ct),
            "fail" => await FailAsync(itemId, actor, decision.Note, ct),
            _ => new(false, $"unknown action '{decision.Action}': adopt, resubmit or fail"),
        };

    public async Task<Outcome> ResubmitAsync(long itemId, string actor, CancellationToken ct)
    {
        if (await ReviewedItemAsync(itemId, ct) is not { } item) return await NotInReview(itemId, ct);
        var answered = (await queries.AttemptsAsync(itemId, ct)).LastOrDefault(a => a.Late is not null);
        if (answered is not null)
            return new(false, $"item {itemId}: attempt {answered.Id} was answered ({answered.Late!.Summary}, {answered.JobId}): the job exists and may be billed. " +
                $"Adopt it (--adopt {answered.JobId}) or give the item up (--fail) instead of paying again");
        var releases = (await ledger.OpenByAttemptAsync(itemId, item.Run, ct))
            .Select(o => LedgerEntry.Release(o.Credits, o.Usd, o.AttemptId, $"possible charge released by {actor}: no job was found at the provider"))
            .ToList();
        return await transitions.ResubmitReviewed(itemId, item.Run, actor, releases, ct)
            ? new(true, $"item {itemId} ({item.RowId}) will be submitted again{(releases.Count > 0 ? $"; {releases.Count} possible charge(s) released" : "")}")
            : await NotInReview(itemId, ct);
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
    /// or one the operator found on the provider's dashboard, polled by id.
    /// </summary>
    public async Task<Outcome> AdoptAsync(long itemId, string reference, string actor, CancellationToken ct)
    {
        if (await ReviewedItemAsync(itemId, ct) is not { } item) return await NotInReview(itemId, ct);
        var late = (await queries.AttemptsAsync(itemId, ct)).LastOrDefault(a => a.JobId == reference && a.Late is not null)?.Late;
        if (late?.Outputs is { Count: > 0 } outputs)
        {
            var (credits, usd) = await ledger.ChargedAsync(item.Id, item.Run, ct);
            var adjustment = late.Cost is { } cost ? LedgerEntry.Adjustment(credits, usd, cost) : null;
            return await transitions.AdoptOutputs(itemId, item.Run, actor, reference, outputs, adjustment, ct)
                ? new(true, $"item {itemId} ({item.RowId}): {outputs.Count} output(s) of {reference} will be copied")
                : await NotInReview(itemId, ct);
        }
        var job = late?.Job ?? providers.Find(item.Provider)?.JobFromId(reference, item.Model);
        if (job is null)
            return new(false, $"item {itemId}: {item.Provider} answers at once and keeps no job to poll, and no answer was recorded as {reference}");
        return await transitions.AdoptJob(itemId, item.Run, actor, job, ct)
            ? new(true, $"item {itemId} ({item.RowId}): {item.Provider} job {job.JobId} adopted; it will be polled")
            : await NotInReview(itemId, ct);
    }

    public Task<int> RetryAsync(Guid manifestId, ItemState[] states, string actor, CancellationToken ct) =>
        ForEachPageAsync(manifestId, states, ids => transitions.Retry(ids, states, actor, ct), ct);

    public Task<int> CancelAsync(Guid manifestId, string actor, CancellationToken ct) =>
        ForEachPageAsync(manifestId, OperatorTransitions.Cancellable, ids => transitions.Cancel(ids, actor, ct), ct);

    /// <param name="reason">Why, for the items (default: held by the actor).</param>
    public Task<int> HoldAsync(Guid manifestId, string actor, CancellationToken ct, string? reason = null) =>
        ForEachPageAsync(manifestId, [ItemState.Pending], ids => transitions.Hold(ids, actor, ct, reason), ct);

    public Task<int> ReleaseAsync(Guid manifestId, string actor, CancellationToken ct) =>
        ForEachPageAsync(manifestId, [ItemState.Held], ids => transitions.ReleaseHeld(ids, actor, ct), ct);

    /// <summary>Chosen items (the dashboard's and the API's item actions); returns how many moved.</summary>
    public async Task<int> RetryItemsAsync(long[] ids, string actor, CancellationToken ct) =>
        (await transitions.Retry(ids, OperatorTransitions.Retryable, actor, ct)).Count;

    public async Task<int> CancelItemsAsync(long[] ids, string actor, CancellationToken ct) => (await transitions.Cancel(ids, actor, ct)).Count;

    public async Task<int> HoldItemsAsync(long[] ids, string actor, CancellationToken ct) => (await transitions.Hold(ids, actor, ct)).Count;

    public async Task<int> ReleaseItemsAsync(long[] ids, string actor, CancellationToken ct) => (await transitions.ReleaseHeld(ids, actor, ct)).Count;

    /// <summary>Pages of ids in separate transactions: a million-item manifest never holds one huge lock set.</summary>
    private async Task<int> ForEachPageAsync(Guid manifestId, ItemState[] states, Func<long[], Task<List<long>>> act, CancellationToken ct)
    {
        var moved = 0;
        for (long after = 0; ;)
        {
            var ids = await queries.IdsAsync(manifestId, states, after, Page, ct);
            if (ids.Length == 0) return moved;
            moved += (await act(ids)).Count;
            after = ids[^1];
        }
    }

    private async Task<ReviewQueries.ItemInfo?> ReviewedItemAsync(long itemId, CancellationToken ct) =>
        await queries.ItemAsync(itemId, ct) is { State: ItemState.NeedsReview } item ? item : null;

    private async Task<Outcome> NotInReview(long itemId, CancellationToken ct) =>
        await queries.ItemAsync(itemId, ct) is { } item
            ? new(false, $"item {itemId} ({item.RowId}) is {item.State}, not NeedsReview: {item.Reason}")
            : new(false, $"no item {itemId}");

    private static string Money(decimal credits, decimal? usd) =>
        usd is { } u && u != 0 ? $"${u:0.00##}" + (credits != 0 ? $", {credits:0.##} credits" : "") : $"{credits:0.##} credits";
}
