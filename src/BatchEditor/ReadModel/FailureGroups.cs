using BatchEditor.Items;
using Npgsql;

namespace BatchEditor.ReadModel;

/// <summary>A manifest's items that did not succeed, grouped by cause: how many, an example reason, what to do.</summary>
public sealed record FailureGroup(string Cause, string Title, ItemState State, long Items, string Example, string Action);

/// <summary>The failure groups of a manifest (<see cref="FailureCauses"/>), for the CLI's <c>failures</c> and the API.</summary>
public sealed class FailureGroups(NpgsqlDataSource dataSource)
{
    private static readonly string Grouped =
        $"""
        select cause, state, count(*) as items, min(reason) as example from (
            select i.state, i.reason, {FailureCauses.CauseOf("i")} as cause
            from items i where i.manifest_id = @manifest and i.state = any(@states)) t
        group by cause, state
        order by count(*) desc, cause
        """;

    public async Task<List<FailureGroup>> ForManifestAsync(Guid manifestId, string manifestName, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand(Grouped);
        cmd.Parameters.Add(new NpgsqlParameter<Guid>("manifest", manifestId));
        cmd.Parameters.Add(new NpgsqlParameter<string[]>("states", ItemStates.Names(FailureCauses.States)));
        foreach (var p in FailureCauses.Parameters()) cmd.Parameters.Add(p);
        var groups = new List<FailureGroup>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            var (code, state) = (r.GetString(0), Enum.Parse<ItemState>(r.GetString(1)));
            var cause = FailureCauses.Find(code);
            var action = cause?.Action ?? (state == ItemState.Failed
                ? $"read the reasons (`batch-editor results {{manifest}}`); `batch-editor retry {{manifest}} --cause {FailureCauses.Other}` runs them again"
                : "see `batch-editor status {manifest}`");
            groups.Add(new(code, cause?.Title ?? "other reasons", state, r.GetInt64(2), r.GetString(3), action.Replace("{manifest}", manifestName)));
        }
        return groups;
    }
}
