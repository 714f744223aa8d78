using Npgsql;

namespace BatchEditor.Operations;

/// <summary>
/// Pausing a provider stops new submissions to it in the whole cluster (the claim skips it) until it is resumed. Jobs it
/// already accepted are still polled and their outputs copied: they are paid for.
/// </summary>
public sealed class ProviderPauses(NpgsqlDataSource dataSource)
{
    /// <returns>False when it was already paused (the first pause and its reason stand).</returns>
    public async Task<bool> PauseAsync(string provider, string actor, string reason, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand(
            "insert into provider_pauses (provider, paused_by, reason) values ($1, $2, $3) on conflict (provider) do nothing");
        cmd.Parameters.AddWithValue(provider);
        cmd.Parameters.AddWithValue(actor);
        cmd.Parameters.AddWithValue(reason);
        return await cmd.ExecuteNonQueryAsync(ct) == 1;
    }

    /// <returns>False when it was not paused.</returns>
    public async Task<bool> ResumeAsync(string provider, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        await using var cmd = new NpgsqlCommand("delete from provider_pauses where provider = $1", conn, tx);
        cmd.Parameters.AddWithValue(provider);
        var resumed = await cmd.ExecuteNonQueryAsync(ct) == 1;
        // Idle workers wake at once instead of at their next timer tick.
        if (resumed) await Items.NewWork.NotifyAsync(conn, tx, ct);
        await tx.CommitAsync(ct);
        return resumed;
    }
}
