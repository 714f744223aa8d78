using Npgsql;

namespace BatchEditor.Items;

/// <summary>
/// A manifest's items in some states, a page of ids at a time (keyset on id), each page acted on in its own
/// transaction: a million-item manifest never holds one huge lock set. Operator actions and budget holds go through it.
/// </summary>
public sealed class ManifestItemPages(NpgsqlDataSource dataSource)
{
    public const int Page = 5_000;

    private const string PageOfIds = "select id from items where manifest_id = @manifest and state = any(@states) and id > @after order by id limit @limit";

    private const string PageOfIdsOutsideSample =
        "select id from items where manifest_id = @manifest and state = any(@states) and id > @after and not in_sample order by id limit @limit";

    private static readonly string PageOfIdsWithCause =
        $"select id from items i where manifest_id = @manifest and state = any(@states) and id > @after and {FailureCauses.CauseOf("i")} = @cause order by id limit @limit";

    /// <summary>Ids of a manifest's items in any of <paramref name="states"/>, after <paramref name="afterId"/>, in id order.</summary>
    /// <param name="cause">Only items of this <see cref="FailureCauses"/> code.</param>
    /// <param name="outsideSample">Only items that are not in the manifest's sample (<see cref="Samples"/>).</param>
    public async Task<long[]> IdsAsync(Guid manifestId, ItemState[] states, long afterId, int limit, CancellationToken ct, string? cause = null,
        bool outsideSample = false)
    {
        await using var cmd = dataSource.CreateCommand(cause is not null ? PageOfIdsWithCause : outsideSample ? PageOfIdsOutsideSample : PageOfIds);
        if (cause is not null)
        {
            cmd.Parameters.Add(new NpgsqlParameter<string>("cause", cause));
            foreach (var p in FailureCauses.Parameters()) cmd.Parameters.Add(p);
        }
        cmd.Parameters.Add(new NpgsqlParameter<Guid>("manifest", manifestId));
        cmd.Parameters.Add(new NpgsqlParameter<string[]>("states", ItemStates.Names(states)));
        cmd.Parameters.Add(new NpgsqlParameter<long>("after", afterId));
        cmd.Parameters.Add(new NpgsqlParameter<int>("limit", limit));
        var ids = new List<long>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct)) ids.Add(r.GetInt64(0));
        return [.. ids];
    }

    /// <summary>Runs <paramref name="act"/> on every page; returns how many items it moved.</summary>
    public async Task<int> ForEachAsync(Guid manifestId, ItemState[] states, Func<long[], Task<List<long>>> act, CancellationToken ct, bool outsideSample = false)
    {
        var moved = 0;
        for (long after = 0; ;)
        {
            var ids = await IdsAsync(manifestId, states, after, Page, ct, outsideSample: outsideSample);
            if (ids.Length == 0) return moved;
            moved += (await act(ids)).Count;
            after = ids[^1];
        }
    }
}
