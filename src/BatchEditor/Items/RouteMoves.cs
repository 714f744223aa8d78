using BatchEditor.Providers;
using Npgsql;

namespace BatchEditor.Items;

/// <summary>
/// Moves Pending items of a route from a provider that cannot take work to their route's next choice that can: a
/// Pending → Pending transition that changes the provider and model, with its history row and the reason kept in
/// <c>routed</c>. Guarded on the provider (two workers moving at once move each item once) and on no unsettled submit
/// attempt: an item that may have been billed never moves.
/// </summary>
public sealed class RouteMoves(NpgsqlDataSource dataSource, TransitionApplier applier)
{
    /// <summary>How many items one move takes at most (a transition's statement and its history rows).</summary>
    public const int Batch = 5000;

    // The item's current choice is provider:model; its next choice that can take work is the first after it whose
    // provider is in @able.
    private const string NextChoice =
        """
        select c.choice from unnest(i.route) with ordinality c(choice, n)
        where n > coalesce(array_position(i.route, i.provider || ':' || i.model), 0) and split_part(c.choice, ':', 1) = any(@able)
        order by n limit 1
        """;

    private const string WaitingRoute =
        $"""
        select i.route, i.model, next.choice from items i
        cross join lateral ({NextChoice}) next
        where i.state = {StateSql.Pending} and i.provider = @provider and i.route is not null
        limit 1
        """;

    /// <summary>
    /// A route of Pending items waiting on <paramref name="provider"/> that has a next choice in <paramref name="able"/>,
    /// with that choice; null when there is none.
    /// </summary>
    public async Task<(string[] Route, RouteChoice Current, RouteChoice Next)?> WaitingRouteAsync(string provider, IReadOnlyCollection<string> able, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand(WaitingRoute);
        cmd.Parameters.Add(new NpgsqlParameter<string>("provider", provider));
        cmd.Parameters.Add(new NpgsqlParameter<string[]>("able", [.. able]));
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct)) return null;
        return (reader.GetFieldValue<string[]>(0), new RouteChoice(provider, reader.GetString(1)), RouteChoice.Parse(reader.GetString(2)));
    }

    private const string OnRoute =
        $"""
        select i.id from items i
        where i.state = {StateSql.Pending} and i.provider = @provider and i.route = @route and i.model = @model
        order by i.id limit @max
        """;

    /// <summary>
    /// Moves up to <see cref="Batch"/> Pending items on <paramref name="from"/> with this route (and the same current
    /// model) to <paramref name="to"/>; how many moved.
    /// </summary>
    public async Task<int> MoveAsync(RouteChoice from, string[] route, RouteChoice to, string why, string actor, CancellationToken ct)
    {
        var ids = new List<long>();
        await using (var cmd = dataSource.CreateCommand(OnRoute))
        {
            cmd.Parameters.Add(new NpgsqlParameter<string>("provider", from.Provider));
            cmd.Parameters.Add(new NpgsqlParameter<string>("model", from.Model!));
            cmd.Parameters.Add(new NpgsqlParameter<string[]>("route", route));
            cmd.Parameters.Add(new NpgsqlParameter<int>("max", Batch));
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct)) ids.Add(reader.GetInt64(0));
        }
        if (ids.Count == 0) return 0;
        var moved = await applier.ApplyAsync(new Transition([.. ids], [ItemState.Pending], ItemState.Pending, $"moved from {from.Provider} to {to.Provider}: {why}", actor)
        {
            Changes = new() { Reroute = (to, $"from {from.Provider}: {why}") },
            Guard = new() { Provider = from.Provider, UnsettledAttempt = false },
            WakesWorkers = true,
        }, ct);
        return moved.Count;
    }
}
