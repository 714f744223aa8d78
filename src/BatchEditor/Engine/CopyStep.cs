using BatchEditor.Items;
using BatchEditor.Storage;
using Microsoft.Extensions.Options;
using Npgsql;

namespace BatchEditor.Engine;

/// <summary>Copying → Succeeded | Copying (retry) | Expired | Failed. Earliest-expiring outputs first.</summary>
public sealed class CopyStep(OutputCopier copier, ItemTransitions transitions, NpgsqlDataSource dataSource,
    IOptions<WorkerOptions> options, TimeProvider clock)
{
    public async Task RunAsync(ClaimedItem item, string owner, CancellationToken ct)
    {
        var pending = await OutputRows.PendingAsync(dataSource, item.Id, ct);
        foreach (var output in pending)
        {
            if (output.ExpiresAt is { } expires && expires <= clock.GetUtcNow())
            {
                await transitions.OutputsExpired(item, owner,
                    $"output {output.Ordinal + 1} expired at {expires:u} before it could be copied; its cost stays on the ledger", ct);
                return;
            }
            try
            {
                var blob = await copier.CopyAsync(item, output, ct);
                if (!await transitions.OutputStored(item, owner, output.Ordinal, blob, ct)) return; // lease lost: the new owner goes on
            }
            catch (OutputUnavailableException e)
            {
                await transitions.OutputsExpired(item, owner, e.Message + "; its cost stays on the ledger", ct);
                return;
            }
            catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                await RetryOrFail(item, owner, $"copy of output {output.Ordinal + 1} failed: {e.Message}", ct);
                return;
            }
        }
        await transitions.CopySucceeded(item, owner, await StoredCountAsync(item.Id, ct), ct);
    }

    private async Task RetryOrFail(ClaimedItem item, string owner, string reason, CancellationToken ct)
    {
        if (item.CopyAttempts + 1 >= options.Value.MaxCopyAttempts)
        {
            await transitions.CopyFailed(item, owner, $"{reason} (gave up after {item.CopyAttempts + 1} rounds)", ct);
            return;
        }
        var delay = Backoff.Exponential(item.CopyAttempts + 1, TimeSpan.FromSeconds(2), TimeSpan.FromMinutes(2));
        await transitions.CopyRetryLater(item, owner, $"{reason}; retry in {delay.TotalSeconds:0.#} s", clock.GetUtcNow() + delay, ct);
    }

    private async Task<int> StoredCountAsync(long itemId, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand("select count(*) from outputs where item_id = $1 and state = 'Stored'");
        cmd.Parameters.AddWithValue(itemId);
        return (int)(long)(await cmd.ExecuteScalarAsync(ct))!;
    }
}
