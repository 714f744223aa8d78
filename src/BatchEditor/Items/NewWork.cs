using Npgsql;

namespace BatchEditor.Items;

/// <summary>
/// The PostgreSQL channel that tells idle workers new work is due now (an import, an operator's retry or release),
/// so they claim it at once instead of at their next idle poll. Sent inside the transaction that made the work due:
/// PostgreSQL delivers it only if that transaction commits.
/// </summary>
public static class NewWork
{
    public const string Channel = "batch_editor_work";

    public static async Task NotifyAsync(NpgsqlConnection conn, NpgsqlTransaction tx, CancellationToken ct)
    {
        await using var notify = new NpgsqlCommand($"notify {Channel}", conn, tx);
        await notify.ExecuteNonQueryAsync(ct);
    }
}
