using BatchEditor.Items;
using BatchEditor.Storage;
using Microsoft.Extensions.Options;
using Npgsql;

namespace BatchEditor.Engine;

/// <summary>
/// Copying → Succeeded | Copying (retry) | Expired | Failed. Earliest-expiring outputs first. A source that keeps
/// failing is given up after <see cref="WorkerOptions.MaxCopyAttempts"/> rounds; a storage outage is waited out until the
/// outputs expire (the cost is already paid, so the outputs are worth waiting for). A failure on our side (the outbound
/// guard, the store) leaves the outputs where they are, so `retry` copies them again instead of paying for new ones, and
/// repeated across items it pauses the provider's submissions (<see cref="ProviderBreaker.CopyFailedAsync"/>).
/// </summary>
public sealed class CopyStep(OutputCopier copier, Checks.OutputChecks checks, Manifests.ManifestCheckPresets channels, ItemTransitions transitions, OutputRows outputs, ProviderBreaker breaker,
    IOptions<WorkerOptions> options, EngineLog log, Telemetry.BatchEditorMetrics metrics)
{
    public async Task RunAsync(ClaimedItem item, string owner, CancellationToken ct)
    {
        var (pending, storedBefore) = await outputs.ToCopyAsync(item.Id, item.Run, ct);
        if (pending.Count == 0) { await transitions.CopySucceeded(item, owner, storedBefore, null, ct); return; }
        var input = new Checks.OutputChecks.InputMemo();
        foreach (var output in pending)
        {
            // The database's clock decides: a worker whose clock runs fast must not give up outputs still live.
            if (output.ExpiresAt is { } expires && expires <= item.Now())
            {
                await Expired(item, owner, $"output {output.Ordinal + 1} expired at {expires:u} before it could be copied; its cost stays on the ledger", ct);
                return;
            }
            try
            {
                var blob = await copier.CopyAsync(ToCopy(item, output), ct);
                if (!blob.AlreadyExisted) metrics.Copied(blob.Size, copier.StoreKind);
                var stored = new StoredOutput(blob.Name, blob.Location, blob.ContentType, blob.Size, blob.Md5Base64);
                if (checks.Enabled && await checks.FailureAsync(item.Request, blob.Name, blob.Size, await channels.ForAsync(item.ManifestId, ct), input, ct) is { } failure)
                {
                    metrics.CheckFailed(item.Provider);
                    await transitions.OutputCheckFailed(item, owner, output.Ordinal, stored, failure, ct);
                    return;
                }
                // The last output's record and Succeeded are one transaction; earlier ones keep the lease for the rest.
                var recorded = output == pending[^1]
                    ? await transitions.CopySucceeded(item, owner, storedBefore + pending.Count, (output.Ordinal, stored), ct)
                    : await transitions.OutputStored(item, owner, output.Ordinal, stored, ct);
                if (!recorded) return; // lease lost: the new owner goes on
                if (output == pending[^1]) await breaker.CopySucceededAsync(item.Provider, CancellationToken.None);
            }
            catch (OutputUnavailableException e)
            {
                await Expired(item, owner, e.Message + "; its cost stays on the ledger", ct);
                return;
            }
            catch (OutputDownloadException e) when (Downloads.OutboundGuard.RefusalIn(e) is not null)
            {
                // Our configuration refused the output's address: the output is paid for and still there.
                var reason = $"copy of output {output.Ordinal + 1} failed: {e.Message}";
                await transitions.CopyFailed(item, owner, $"{reason}; the output is paid for: fix the setting, then `batch-editor retry` copies it again without paying again", ct);
                await breaker.CopyFailedAsync(item.Provider, "refused by the outbound guard", reason, options.Value.CopyFailuresBeforePause, CancellationToken.None);
                return;
            }
            catch (OutputDownloadException e)
            {
                await RetryOrFail(item, owner, $"copy of output {output.Ordinal + 1} failed: {e.Message}", e.Transient, ct);
                return;
            }
            catch (StorageUnavailableException e)
            {
                await WaitForStorage(item, owner, output, e, ct);
                await breaker.CopyFailedAsync(item.Provider, "storage unavailable", e.Message, options.Value.CopyFailuresBeforePause, CancellationToken.None);
                return;
            }
            catch (OutputConflictException e)
            {
                await transitions.CopyFailed(item, owner, $"copy of output {output.Ordinal + 1} refused: {e.Message}", ct);
                await breaker.CopyFailedAsync(item.Provider, "storage holds another file under its name", e.Message, options.Value.CopyFailuresBeforePause, CancellationToken.None);
                return;
            }
        }
    }

    /// <summary>What the copier needs of the item and its output row: whose output it is, and where its bytes are.</summary>
    private OutputToCopy ToCopy(ClaimedItem item, OutputRows.Row output) =>
        new(item.ManifestId, item.ManifestName, item.RowId, item.Run, output.Ordinal, item.Provider, item.ProviderJobId, item.Request.Prompt,
            output.Inline ? null : output.SourceUrl,
            output.Inline ? token => outputs.OpenInlineAsync(item.Id, item.Run, output.Ordinal, token) : null);

    private async Task Expired(ClaimedItem item, string owner, string reason, CancellationToken ct)
    {
        log.OutputsExpired(item.Id, item.RowId, reason);
        await transitions.OutputsExpired(item, owner, reason, ct);
    }

    private async Task RetryOrFail(ClaimedItem item, string owner, string reason, bool transient, CancellationToken ct)
    {
        if (!transient || item.CopyAttempts + 1 >= options.Value.MaxCopyAttempts)
        {
            await transitions.CopyFailed(item, owner, transient ? $"{reason} (gave up after {item.CopyAttempts + 1} rounds)" : reason, ct);
            return;
        }
        var delay = Backoff.Exponential(item.CopyAttempts + 1, TimeSpan.FromSeconds(2), TimeSpan.FromMinutes(2));
        await transitions.CopyRetryLater(item, owner, $"{reason}; retry in {delay.TotalSeconds:0.#} s", item.Now() + delay, countsAsAttempt: true, ct);
    }

    private async Task WaitForStorage(ClaimedItem item, string owner, OutputRows.Row output, StorageUnavailableException e, CancellationToken ct)
    {
        var now = item.Now();
        var deadline = output.ExpiresAt ?? (item.SubmittedAt ?? now) + options.Value.AssumedOutputLifetime;
        if (deadline <= now)
        {
            await Expired(item, owner, $"output {output.Ordinal + 1} could not be stored before it expired at {deadline:u} ({e.Message}); its cost stays on the ledger", ct);
            return;
        }
        // Storage waits do not count as copy attempts, so the pause grows with the time the outputs have been waiting.
        var waited = now - (item.SubmittedAt ?? now);
        var backoff = TimeSpan.FromTicks(Math.Clamp(waited.Ticks / 4, TimeSpan.FromSeconds(2).Ticks, options.Value.MaxRetryDelay.Ticks));
        var delay = deadline - now < backoff ? deadline - now : backoff;
        log.StorageWaiting(item.Id, item.RowId, e.Message);
        await transitions.CopyRetryLater(item, owner,
            $"{e.Message}; outputs are kept until {deadline:u}, copy again in {delay.TotalSeconds:0.#} s", now + delay, countsAsAttempt: false, ct);
    }
}
