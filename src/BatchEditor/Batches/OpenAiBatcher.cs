using System.Text;
using BatchEditor.Items;
using BatchEditor.Providers;
using BatchEditor.Providers.OpenAI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace BatchEditor.Batches;

/// <summary>
/// OpenAI's Batch API for items with a deadline, in rounds: <see cref="CreateAsync"/> gathers the items waiting for a
/// batch into one input file (claimed and fenced like any submit, so a worker that dies mid-way leaves them for review,
/// never for a second send), uploads it and creates the batch; <see cref="CheckAsync"/> polls the batches in flight,
/// cancels those whose items near their deadline, and once a batch ends reads its output and error files a line at a
/// time: each line settles its item (outputs at the batch price, a refusal, or back to Pending to be sent on its own
/// when the batch ended without running it). A line for an item that already left its batch is booked and kept for
/// review, never dropped.
/// </summary>
public sealed partial class OpenAiBatcher(ItemClaims claims, BatchItems items, ItemTransitions transitions, Leases leases, OpenAiBatches openai,
    ProviderRegistry providers, Budgets.BudgetGuard budgets, BatchStore store, IOptions<BatchOptions> options, TimeProvider clock,
    ILogger<OpenAiBatcher> logger)
{
    private const string Provider = OpenAiProvider.ProviderName;
    private static readonly TimeSpan CreateLease = TimeSpan.FromMinutes(10);

    /// <param name="actor">Who the round's transitions are recorded under (the worker that runs it).</param>
    public async Task RunOnceAsync(string actor, CancellationToken ct)
    {
        if (!providers.TryGet(Provider, out _, out var settings) || settings.BatchDeadlineMargin is null) return;
        await CheckAsync(actor, ct);
        await CreateAsync(actor, ct);
    }

    public static string CustomId(long itemId, int run) => $"item-{itemId}-run-{run}";

    private static (long Item, int Run)? ParseCustomId(string customId) =>
        customId.Split('-') is ["item", var id, "run", var run] && long.TryParse(id, out var i) && int.TryParse(run, out var r) ? (i, r) : null;

    /// <returns>The batch created, or null when no item waits for one.</returns>
    public async Task<string?> CreateAsync(string actor, CancellationToken ct)
    {
        var o = options.Value;
        List<ClaimedItem> claimed;
        var estimates = new Dictionary<long, CostReport>();
        Budgets.BudgetDecision decision;
        await using (var scope = await claims.BeginSubmitClaimAsync(ct))
        {
            var waiting = await items.WaitingAsync(scope, Provider, o.MinWait, o.MaxLines, ct);
            // Budgets hold as for any submit, at the batch price: items past a manifest's budget are held, a provider's
            // spent day budget pauses it.
            decision = await budgets.DecideAsync(scope, waiting, ct, c => OpenAiBatchPrices.Estimate(providers.Estimate(Provider, c.Request)));
            var send = new List<(SubmitCandidate, CostReport)>();
            long bytes = 0;
            foreach (var (candidate, estimate) in decision.Send)
            {
                // Within the file's size: a line is about its prompt and URLs long.
                bytes += Encoding.UTF8.GetByteCount(OpenAiBatches.RequestLine(CustomId(candidate.Id, 0), candidate.Request)) + 16;
                if (bytes > o.MaxBytes) break;
                send.Add((candidate, estimate));
                estimates[candidate.Id] = estimate;
            }
            claimed = send.Count == 0 ? [] : await scope.ClaimAsync(send, actor, CreateLease, ct);
            await scope.CommitAsync(ct);
        }
        await budgets.EnforceAsync(decision, actor, ct);
        if (claimed.Count == 0) return null;
        var marked = await items.TryMarkSentAsync(claimed, CreateLease, ct);
        var sending = claimed.Where(c => marked.Contains(c.Id)).ToList();
        if (sending.Count == 0) return null;

        string fileId;
        OpenAiBatch batch;
        await using (var jsonl = Downloads.ScratchFile.Create("batch-editor-batch"))
        {
            await using (var writer = new StreamWriter(jsonl, new UTF8Encoding(false), leaveOpen: true))
                foreach (var item in sending) await writer.WriteLineAsync(OpenAiBatches.RequestLine(CustomId(item.Id, item.Run), item.Request).AsMemory(), ct);
            jsonl.Position = 0;
            try
            {
                fileId = await openai.UploadAsync(jsonl, $"batch-editor-{clock.GetUtcNow():yyyyMMdd-HHmmss}.jsonl", ct);
            }
            catch (Exception e) when (e is OpenAiBatchException or HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
            {
                // No batch exists without its file: nothing can run, so they wait for the next round (or their deadline).
                foreach (var item in sending)
                    await transitions.SubmitRetryLater(item, actor, $"openai batch not created: the upload failed ({e.Message}); nothing was sent",
                        item.Now() + options.Value.Interval, null, ct);
                LogNotCreated(sending.Count, e.Message);
                return null;
            }
        }
        try
        {
            batch = await openai.CreateAsync(fileId, ct);
        }
        catch (OpenAiBatchException e)
        {
            // Refused with an answer: no batch was created.
            foreach (var item in sending)
                await transitions.SubmitRetryLater(item, actor, $"openai refused the batch ({e.Message}); nothing was sent", item.Now() + options.Value.Interval, null, ct);
            LogNotCreated(sending.Count, e.Message);
            return null;
        }
        // Any other failure leaves the items Submitting with their send marks: the batch may exist, so when their lease
        // lapses the rescuer hands them to review with a possible charge instead of sending them again.

        await store.InsertAsync(Provider, batch, fileId, sending.Count, await items.EarliestFallbackAsync([.. sending.Select(s => s.Id)], ct), ct);
        foreach (var item in sending)
            await items.Accepted(item, actor, batch.Id, CustomId(item.Id, item.Run), estimates[item.Id], ct);
        LogCreated(batch.Id, sending.Count);
        return batch.Id;
    }

    /// <summary>Polls every batch in flight; cancels those whose items near their deadline; reads those that ended.</summary>
    public async Task CheckAsync(string actor, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        foreach (var record in await store.OpenAsync(ct))
        {
            OpenAiBatch batch;
            if (record.FallbackAt <= now && record.CancelRequestedAt is null)
            {
                batch = await openai.CancelAsync(record.Id, ct);
                await store.CancelRequestedAsync(record.Id, ct);
                LogCancelled(record.Id, record.Items);
            }
            else batch = await openai.GetAsync(record.Id, ct);
            await store.CheckedAsync(batch, ct);
            if (batch.Ended) await ReadAsync(batch, actor, ct);
            else if (record.CancelRequestedAt is { } asked && now - asked > options.Value.CancelWait)
                await LeaveAsync(batch.Id, $"openai batch {batch.Id} still {batch.Status} {options.Value.CancelWait} after its cancel, near the deadline", actor, ct);
        }
    }

    private async Task ReadAsync(OpenAiBatch batch, string actor, CancellationToken ct)
    {
        var waiting = (await items.InBatchAsync(batch.Id, ct)).ToDictionary(i => CustomId(i.Id, i.Run));
        int completed = 0, failed = 0, notRun = 0, late = 0;
        foreach (var fileId in new[] { batch.OutputFileId, batch.ErrorFileId }.OfType<string>())
            await foreach (var line in openai.ReadAsync(fileId, ct))
            {
                if (!waiting.Remove(line.CustomId, out var item))
                {
                    if (line.Succeeded && await BookLateAsync(batch.Id, line, actor, ct)) late++;
                    continue;
                }
                if (line.Succeeded)
                {
                    await items.LineCompleted(item, batch.Id, OpenAiBatchPrices.Outputs(line.Body), OpenAiBatchPrices.Reported(item.Request.Model, line.Body?["usage"]), actor, ct);
                    completed++;
                }
                else if (line.StatusCode is null && line.ErrorCode is "batch_expired" or "batch_cancelled" or null)
                {
                    await items.LineNotRun(item, batch.Id, $"openai batch {batch.Id} {batch.Status} before running it ({line.ErrorCode})", actor, ct);
                    notRun++;
                }
                else
                {
                    await items.LineFailed(item, batch.Id, $"{line.StatusCode} from openai batch {batch.Id} ({line.ErrorCode}): {line.ErrorMessage}", actor, ct);
                    failed++;
                }
            }
        // A batch that failed as a whole, or lines it never reported: nothing of theirs ran.
        foreach (var item in waiting.Values)
        {
            await items.LineNotRun(item, batch.Id, $"openai batch {batch.Id} {batch.Status} without a line for it{(batch.Errors is null ? "" : $" ({batch.Errors})")}", actor, ct);
            notRun++;
        }
        var detail = $"{batch.Status}: {completed} completed, {failed} refused, {notRun} not run (sent on their own), {late} arrived for items that had left it (booked, in review)";
        await store.MarkReadAsync(batch.Id, detail, ct);
        LogRead(batch.Id, detail);
    }

    /// <summary>The batch will not end in time: its items leave it to be sent on their own; a line that arrives for one later is booked for review.</summary>
    private async Task LeaveAsync(string batchId, string reason, string actor, CancellationToken ct)
    {
        foreach (var item in await items.InBatchAsync(batchId, ct)) await items.LineNotRun(item, batchId, reason, actor, ct);
    }

    /// <summary>A line that ran for an item no longer in the batch: billed, so booked on its attempt and kept for review (adopt or keep).</summary>
    private async Task<bool> BookLateAsync(string batchId, OpenAiBatchLine line, string actor, CancellationToken ct)
    {
        if (ParseCustomId(line.CustomId) is not var (itemId, run) || await items.AttemptOfAsync(itemId, run, batchId, ct) is not var (attempt, model)) return false;
        var outputs = OpenAiBatchPrices.Outputs(line.Body);
        var cost = OpenAiBatchPrices.Reported(model, line.Body?["usage"]);
        await leases.RecordLateResultAsync(attempt, new LateResult($"{outputs.Count} output(s) from openai batch {batchId}", $"{batchId}/{line.CustomId}", null, outputs, cost, null),
            cost ?? new CostReport(0, null, Estimated: true, null, "batch line without usage"), actor, ct);
        LogLate(batchId, line.CustomId);
        return true;
    }

    [LoggerMessage(LogLevel.Information, "OpenAI batch {Batch} created with {Items} item(s)")]
    private partial void LogCreated(string batch, int items);

    [LoggerMessage(LogLevel.Warning, "OpenAI batch of {Items} item(s) not created: {Reason}; they wait for the next round")]
    private partial void LogNotCreated(int items, string reason);

    [LoggerMessage(LogLevel.Warning, "OpenAI batch {Batch} cancelled: its {Items} item(s) near their deadline and will be sent on their own")]
    private partial void LogCancelled(string batch, int items);

    [LoggerMessage(LogLevel.Information, "OpenAI batch {Batch} read: {Detail}")]
    private partial void LogRead(string batch, string detail);

    [LoggerMessage(LogLevel.Warning, "OpenAI batch {Batch} answered {CustomId} after its item left the batch: booked and listed by `review`")]
    private partial void LogLate(string batch, string customId);
}
