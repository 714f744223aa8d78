using Npgsql;

namespace BatchEditor.Providers;

/// <summary>
/// Pausing a provider stops new submissions to it in the whole cluster (the claim skips it) until it is resumed. Jobs it
/// already accepted are still polled and their outputs copied: they are paid for.
/// </summary>
public sealed class ProviderPauses(NpgsqlDataSource dataSource)
{
    /// <param name="resumeAt">When the pause ends by itself (a spent daily budget); null until an operator resumes it.</param>
    /// <returns>False when it was already paused (the first pause and its reason stand).</returns>
    public async Task<bool> PauseAsync(string provider, string actor, string reason, CancellationToken ct, DateTimeOffset? resumeAt = null)
    {
        await using var batch = dataSource.CreateBatch();
        batch.BatchCommands.Add(new NpgsqlBatchCommand("delete from provider_pauses where provider = $1 and resume_at <= now()") { Parameters = { new() { Value = provider } } });
        var cmd = new NpgsqlBatchCommand(
            "insert into provider_pauses (provider, paused_by, reason, resume_at) values ($1, $2, $3, $4) on conflict (provider) do nothing");
        batch.BatchCommands.Add(cmd);
        cmd.Parameters.AddWithValue(provider);
        cmd.Parameters.AddWithValue(actor);
        cmd.Parameters.AddWithValue(reason);
        cmd.Parameters.Add(new NpgsqlParameter { Value = (object?)resumeAt ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz });
        await batch.ExecuteNonQueryAsync(ct);
        return cmd.RecordsAffected == 1;
    }

    private const string Active = "select provider, paused_by, reason from provider_pauses where resume_at is null or resume_at > now()";

    /// <summary>The providers paused now, each with who paused it and why.</summary>
    public async Task<Dictionary<string, string>> ActiveAsync(CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand(Active);
        var paused = new Dictionary<string, string>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) paused[reader.GetString(0)] = $"paused ({reader.GetString(1)}: {reader.GetString(2)})";
        return paused;
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
