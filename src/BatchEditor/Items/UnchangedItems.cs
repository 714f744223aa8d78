using Npgsql;

namespace BatchEditor.Items;

/// <summary>
/// An incremental import's rows that ask for an edit already done: each Pending item of the manifest whose edit key
/// equals that of a Succeeded item of the same row id (in another manifest, with its outputs stored) becomes Succeeded at
/// once, with that item's stored outputs — one transition, inside the import's transaction. Nothing is sent or booked.
/// </summary>
public sealed class UnchangedItems(TransitionApplier applier)
{
    public const string Reason = "unchanged since an earlier run (same input bytes, mask, prompt and parameters): its stored outputs are reused, nothing was sent";

    // The latest such item per new item: by row id and key (items_succeeded_edit), the newest first.
    private const string Matches =
        $"""
        select n.id, s.id from items n
        cross join lateral (
            select s.id from items s
            where s.row_id = n.row_id and s.edit_key = n.edit_key and s.state = {StateSql.Succeeded} and s.manifest_id <> n.manifest_id
              and exists (select 1 from outputs o where o.item_id = s.id and o.run = s.run and o.state = {OutputStateSql.Stored})
            order by s.finished_at desc nulls last, s.id desc
            limit 1) s
        where n.manifest_id = @manifest and n.state = {StateSql.Pending} and n.edit_key is not null
        """;

    /// <summary>Moves the manifest's unchanged items to Succeeded within the import's transaction; call the returned action once it commits.</summary>
    public async Task<(int Count, Action Committed)> SkipAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid manifestId, string actor, CancellationToken ct)
    {
        var ids = new List<long>();
        var sources = new List<long>();
        await using (var cmd = new NpgsqlCommand(Matches, conn, tx))
        {
            cmd.Parameters.Add(new NpgsqlParameter<Guid>("manifest", manifestId));
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                ids.Add(reader.GetInt64(0));
                sources.Add(reader.GetInt64(1));
            }
        }
        if (ids.Count == 0) return (0, () => { });
        var skip = new Transition([.. ids], [ItemState.Pending], ItemState.Succeeded, Reason, actor)
        {
            Changes = new() { FinishedAt = Change.Now, ReusesOutputsOf = [.. sources] },
        };
        var moved = await applier.ApplyWithinAsync(conn, tx, skip, ct);
        return (moved.Count, () => applier.Applied(skip, moved));
    }
}
