using BatchEditor.Items;
using BatchEditor.Manifests;

namespace BatchEditor.Operations;

/// <summary>
/// Approving or rejecting a manifest's sample (the CLI's <c>approve</c> and <c>reject</c>, the dashboard, the API).
/// Approve releases the rest; reject gives the sample (or chosen items of it) a new prompt and runs it again as a new
/// run, its cost on the ledger, and gives the held rest the same new prompt, so what is approved later is what was seen.
/// </summary>
public sealed class SampleActions(ManifestApprovals approvals, PromptRows items, OperatorTransitions transitions, ManifestItemPages pages,
    ManifestFinisher finisher)
{
    /// <param name="Released">Items of the rest let go to be submitted.</param>
    public sealed record Approved(bool Done, int Released, string Message);

    /// <param name="Rerun">Sample items that run again with the new prompt.</param>
    /// <param name="Reprompted">Items not yet submitted (sample or rest) that take the new prompt.</param>
    /// <param name="StillRunning">Sample items in flight or waiting for review, left as they are.</param>
    public sealed record Rejected(bool Done, int Rerun, int Reprompted, int StillRunning, string Message);

    public async Task<Approved> ApproveAsync(Guid manifestId, string manifestName, string actor, CancellationToken ct)
    {
        if (await approvals.GetAsync(manifestId, ct) is not { } sample)
            return new(false, 0, $"{manifestName} was not submitted with a sample (submit --sample N)");
        if (!sample.Awaiting) return new(false, 0, $"{manifestName}'s sample is approved already");
        await approvals.ApproveAsync(manifestId, ct);
        var released = await pages.ForEachAsync(manifestId, [ItemState.Held], ids => transitions.ReleaseHeld(ids, actor, ct), ct, outsideSample: true);
        if (released > 0) await finisher.ReopenAsync(manifestId, ct);
        return new(true, released, $"{manifestName}: sample approved by {actor}; {released} held item(s) released");
    }

    /// <param name="promptTemplate">The new prompt; <c>{column}</c> placeholders are filled from each row.</param>
    /// <param name="only">Reject only these items of the sample (per-item reject); null: the whole sample.</param>
    public async Task<Rejected> RejectAsync(Guid manifestId, string manifestName, string promptTemplate, long[]? only, string actor, CancellationToken ct)
    {
        if (await approvals.GetAsync(manifestId, ct) is not { Awaiting: true })
            return new(false, 0, 0, 0, $"{manifestName} has no sample awaiting approval");
        var template = new PromptTemplate(promptTemplate);
        string Fill(PromptRow row) => template.Fill(column => row.Columns.GetValueOrDefault(column));

        var sample = (await items.SampleAsync(manifestId, ct)).Where(r => only is null || only.Contains(r.Id)).ToList();
        if (only is not null && sample.Count != only.Length)
            return new(false, 0, 0, 0, $"only items of {manifestName}'s sample can be rejected; {string.Join(", ", only.Except(sample.Select(r => r.Id)))} are not in it");
        var final = sample.Where(r => r.State.IsFinal()).ToList();
        var waiting = sample.Where(r => r.State == ItemState.Pending).ToList();
        var rerun = final.Count == 0 ? []
            : await transitions.RerunWithPrompts([.. final.Select(r => r.Id)], ItemStates.Final, [.. final.Select(Fill)],
                $"sample rejected by {actor}: runs again with a new prompt", actor, ct);
        var reprompted = waiting.Count == 0 ? 0
            : (await transitions.Reprompt([.. waiting.Select(r => r.Id)], [.. waiting.Select(Fill)], ItemState.Pending, $"new prompt from {actor}", actor, ct)).Count;
        if (only is null)
            for (long after = 0; ;)
            {
                var page = await items.HeldPageAsync(manifestId, after, ManifestItemPages.Page, ct);
                if (page.Count == 0) break;
                reprompted += (await transitions.Reprompt([.. page.Select(r => r.Id)], [.. page.Select(Fill)], ItemState.Held,
                    $"{Samples.AwaitingApproval}: the sample was rejected by {actor} and runs again with a new prompt, which these items take too", actor, ct)).Count;
                after = page[^1].Id;
            }
        if (rerun.Count > 0) await finisher.ReopenAsync(manifestId, ct);
        var running = sample.Count - final.Count - waiting.Count;
        return new(true, rerun.Count, reprompted, running,
            $"{manifestName}: {rerun.Count} sample item(s) run again with the new prompt (paid again), {reprompted} not yet submitted take it" +
            (running > 0 ? $"; {running} sample item(s) still running were left as they are: reject them again once they finish" : ""));
    }
}
