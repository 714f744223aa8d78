using System.Globalization;
using BatchEditor.Providers;
using Npgsql;

namespace BatchEditor.Items;

/// <summary>An item picked for submission, with what its estimate needs and its manifest's budget.</summary>
public sealed record SubmitCandidate(long Id, Guid ManifestId, string ManifestName, string Provider, EditRequest Request, decimal? BudgetCredits, decimal? BudgetUsd);

/// <summary>A provider's free capacity as a claim sees it: its caps, and how many sends its circuit breaker allows now.</summary>
public sealed record ProviderSlots(string Provider, int MaxInFlight, int PerMinute, int BreakerAllows);

/// <summary>What has been charged plus what is reserved by items still Submitting, per manifest and per provider today.</summary>
public sealed record SpendSnapshot(Dictionary<Guid, (decimal Credits, decimal Usd)> Manifests, Dictionary<string, (decimal Credits, decimal Usd)> Providers,
    DateTimeOffset NextMidnight);

/// <summary>
/// One submission claim: a transaction under a transaction-scoped advisory lock, so that the per-provider caps (jobs in
/// flight, submissions per minute, an open circuit breaker, an operator's pause) and the budgets hold cluster-wide: ten
/// workers respect a cap of 2 as one does. Within it the claim picks (<see cref="PickAsync"/>), reads what budgets need
/// (<see cref="SpendAsync"/>) and moves what it sends to Submitting (<see cref="ClaimAsync"/>); nothing is kept unless
/// <see cref="CommitAsync"/> is called.
/// </summary>
public sealed class SubmitClaimScope : IAsyncDisposable
{
    private const long SubmitClaimLockKey = 0x42_45_43_6C_61_69_6D; // "BEClaim"

    private readonly NpgsqlConnection _conn;
    private readonly NpgsqlTransaction _tx;
    private readonly TransitionApplier _applier;
    private readonly List<(Transition, List<TransitionSql.Moved>)> _applied = [];

    private SubmitClaimScope(NpgsqlConnection conn, NpgsqlTransaction tx, TransitionApplier applier) => (_conn, _tx, _applier) = (conn, tx, applier);

    internal static async Task<SubmitClaimScope> BeginAsync(NpgsqlDataSource dataSource, TransitionApplier applier, CancellationToken ct)
    {
        var conn = await dataSource.OpenConnectionAsync(ct);
        try
        {
            var tx = await conn.BeginTransactionAsync(ct);
            await using (var take = new NpgsqlCommand(TakeClaimLock, conn, tx))
            {
                take.Parameters.Add(new NpgsqlParameter<long>("key", SubmitClaimLockKey));
                await take.ExecuteNonQueryAsync(ct);
            }
            return new(conn, tx, applier);
        }
        catch
        {
            await conn.DisposeAsync();
            throw;
        }
    }

    private const string TakeClaimLock = "select pg_advisory_xact_lock(@key)";

    /// <summary>The claim's connection and transaction, for a statement of another table's owner that must run inside it.</summary>
    internal (NpgsqlConnection Connection, NpgsqlTransaction Transaction) Inside => (_conn, _tx);

    /// <summary>The next items to submit, in the order they should go, within every provider's free slots (nothing is changed yet).</summary>
    public async Task<List<SubmitCandidate>> PickAsync(IReadOnlyList<ProviderSlots> slots, int max, CancellationToken ct)
    {
        await using var cmd = Pick(_conn, _tx, slots, max);
        return await ReadCandidatesAsync(cmd, ct);
    }

    /// <summary>Candidates as a pick returns them: id, manifest (id, name, budgets), provider and the edit request's columns.</summary>
    internal static async Task<List<SubmitCandidate>> ReadCandidatesAsync(NpgsqlCommand cmd, CancellationToken ct)
    {
        var picked = new List<SubmitCandidate>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var r = new RowReader(reader);
            picked.Add(new SubmitCandidate(r.Get<long>("id"), r.Get<Guid>("manifest_id"), r.Get<string>("manifest_name"), r.Get<string>("provider"),
                EditRequests.Read(r), r.Nullable<decimal>("budget_credits"), r.Nullable<decimal>("budget_usd")));
        }
        return picked;
    }

    private const string PickSubmissions =
        $"""
        with cap as (
            select * from unnest(@providers::text[], @max_in_flight::int[], @per_minute::int[], @breaker::int[]) as c(provider, max_in_flight, per_minute, breaker)),
        free as (
            select cap.provider, greatest(0, least(
                cap.max_in_flight - (select count(*) from items x where x.provider = cap.provider and x.state in ({StateSql.Submitting}, {StateSql.Running})),
                cap.per_minute - (select count(*) from provider_attempts a where a.provider = cap.provider and a.claimed_at > now() - interval '1 minute'),
                cap.breaker,
                -- An operator's pause: nothing new is sent until it is resumed.
                case when exists (select 1 from provider_pauses pp where pp.provider = cap.provider and (pp.resume_at is null or pp.resume_at > now()))
                     then 0 else cap.max_in_flight end
            ))::int as slots
            from cap),
        -- Manifests with Pending items, from the running totals: a few rows however large the items table.
        active as (
            select m.id, m.priority from manifests m
            join (select manifest_id from (select manifest_id, items from item_state_totals where state = {StateSql.Pending}
                                           union all
                                           select manifest_id, items from item_state_deltas where state = {StateSql.Pending}) t
                  group by manifest_id having sum(items) > 0) p on p.manifest_id = m.id
            -- A manifest waiting for its start time or outside its submit window sends nothing now.
            where (m.not_before is null or m.not_before <= now())
              and submit_window_open(m.window_start, m.window_end, m.window_time_zone)),
        -- Per provider: higher priority first; within a priority, round-robin weighted by what each manifest already
        -- has in flight there (the k-th next item of a manifest with n jobs in flight ranks n + k), so every
        -- manifest with due items gets its share of the slots and none waits behind a larger one.
        picked as (
            select p.id, row_number() over (order by p.priority desc, p.share, p.id) as rank from free cross join lateral (
                select c.id, a.priority, busy.n + c.turn as share from active a
                cross join lateral (select count(*) as n from items f
                                    where f.manifest_id = a.id and f.provider = free.provider and f.state in ({StateSql.Submitting}, {StateSql.Running})) busy
                cross join lateral (
                    select x.id, row_number() over (order by x.next_run_at, x.id) as turn from (
                        select id, next_run_at from items
                        where state = {StateSql.Pending} and provider = free.provider and manifest_id = a.id and next_run_at <= now()
                          -- waiting for a provider batch until then (OpenAI's Batch API, Batches/)
                          and (batch_until is null or batch_until <= now())
                        order by next_run_at, id
                        limit free.slots) x) c
                order by a.priority desc, busy.n + c.turn, a.id
                limit free.slots) p
            where free.slots > 0
            order by p.priority desc, p.share, p.id
            limit @max)
        select i.id, i.manifest_id, m.name as manifest_name, i.provider, {EditRequests.Columns}, m.budget_credits, m.budget_usd
        from picked join items i on i.id = picked.id join manifests m on m.id = i.manifest_id
        order by picked.rank
        """;

    internal static NpgsqlCommand Pick(NpgsqlConnection conn, NpgsqlTransaction tx, IReadOnlyList<ProviderSlots> slots, int max) =>
        new(PickSubmissions, conn, tx)
        {
            Parameters =
            {
                new NpgsqlParameter<string[]>("providers", slots.Select(s => s.Provider).ToArray()),
                new NpgsqlParameter<int[]>("max_in_flight", slots.Select(s => s.MaxInFlight).ToArray()),
                new NpgsqlParameter<int[]>("per_minute", slots.Select(s => s.PerMinute).ToArray()),
                new NpgsqlParameter<int[]>("breaker", slots.Select(s => s.BreakerAllows).ToArray()),
                new NpgsqlParameter<int>("max", max),
            },
        };

    private const string SpentAndReserved =
        $"""
        with today as (select (now() at time zone 'utc')::date as day),
        by_manifest as (
            select manifest_id, credits, coalesce(cost_usd, 0) as usd from usage_totals where manifest_id = any(@manifests)
            union all select manifest_id, credits, coalesce(cost_usd, 0) from usage_deltas where manifest_id = any(@manifests)
            union all select manifest_id, coalesce(reserved_credits, 0), coalesce(reserved_usd, 0) from items
                      where state = {StateSql.Submitting} and manifest_id = any(@manifests)),
        by_provider as (
            select provider, credits, coalesce(cost_usd, 0) as usd from usage_totals, today where provider = any(@providers) and usage_totals.day >= today.day
            union all select provider, credits, coalesce(cost_usd, 0) from usage_deltas, today where provider = any(@providers) and usage_deltas.day >= today.day
            union all select provider, coalesce(reserved_credits, 0), coalesce(reserved_usd, 0) from items
                      where state = {StateSql.Submitting} and provider = any(@providers))
        select 'manifest' as kind, manifest_id::text as key, sum(credits) as credits, sum(usd) as usd from by_manifest group by manifest_id
        union all
        select 'provider', provider, sum(credits), sum(usd) from by_provider group by provider
        union all
        select 'midnight', to_char((select day from today) + 1, 'YYYY-MM-DD'), 0, 0
        """;

    /// <summary>
    /// Charged so far (the running totals, folded or not) plus the estimates reserved by items still Submitting, per
    /// manifest and per provider today, and the database's next UTC midnight: one statement, one snapshot, so a submit
    /// accepted meanwhile (its reservation replaced by its charge) is counted once, never in neither.
    /// </summary>
    public async Task<SpendSnapshot> SpendAsync(IReadOnlyList<Guid> manifests, IReadOnlyList<string> providers, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(SpentAndReserved, _conn, _tx)
        {
            Parameters =
            {
                new NpgsqlParameter<Guid[]>("manifests", manifests.ToArray()),
                new NpgsqlParameter<string[]>("providers", providers.ToArray()),
            },
        };
        var byManifest = manifests.ToDictionary(m => m, _ => (0m, 0m));
        var byProvider = providers.ToDictionary(p => p, _ => (0m, 0m));
        var midnight = DateTimeOffset.MaxValue;
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var r = new RowReader(reader);
            var (kind, key, spent) = (r.Get<string>("kind"), r.Get<string>("key"), (r.Get<decimal>("credits"), r.Get<decimal>("usd")));
            if (kind == "manifest") byManifest[Guid.Parse(key)] = spent;
            else if (kind == "provider") byProvider[key] = spent;
            else midnight = new DateTimeOffset(DateTime.ParseExact(key, "yyyy-MM-dd", CultureInfo.InvariantCulture), TimeSpan.Zero);
        }
        return new(byManifest, byProvider, midnight);
    }

    /// <summary>
    /// Moves the items to Submitting under <paramref name="owner"/>'s lease with their reserved estimates, a history row
    /// and an attempt each, through the one transition path; returns them in the order given. The state guard skips an
    /// item an operator moved since it was picked.
    /// </summary>
    public async Task<List<ClaimedItem>> ClaimAsync(IReadOnlyList<(SubmitCandidate Item, CostReport Estimate)> send, string owner, TimeSpan lease, CancellationToken ct)
    {
        if (send.Count == 0) return [];
        var ids = send.Select(s => s.Item.Id).ToArray();
        var claim = new Transition(ids, [ItemState.Pending], ItemState.Submitting, "claimed for submit", owner)
        {
            Claim = new SubmitClaim(owner, lease, send.Select(s => s.Estimate.Credits).ToArray(), send.Select(s => s.Estimate.CostUsd).ToArray()),
        };
        var moved = await _applier.ApplyWithinAsync(_conn, _tx, claim, ct);
        _applied.Add((claim, moved));
        if (moved.Count == 0) return [];
        var rank = ids.Select((id, i) => (id, i)).ToDictionary(x => x.id, x => x.i);
        moved.Sort((a, b) => rank[a.Id].CompareTo(rank[b.Id]));
        await using var cmd = new NpgsqlCommand(ReadClaimed, _conn, _tx)
        {
            Parameters =
            {
                new NpgsqlParameter<long[]>("ids", moved.Select(m => m.Id).ToArray()),
                new NpgsqlParameter<long[]>("attempts", moved.Select(m => m.AttemptId!.Value).ToArray()),
            },
        };
        return await ItemClaims.ReadAllAsync(cmd, ct);
    }

    private const string ReadClaimed =
        $"""
        select {ClaimedItem.Columns}, c.attempt_id
        from unnest(@ids, @attempts) with ordinality as c(id, attempt_id, rank) join items i on i.id = c.id
        order by c.rank
        """;

    /// <summary>Commits the claim; only then are its transitions counted and logged.</summary>
    public async Task CommitAsync(CancellationToken ct)
    {
        await _tx.CommitAsync(ct);
        foreach (var (t, moved) in _applied) _applier.Applied(t, moved);
    }

    public async ValueTask DisposeAsync()
    {
        await _tx.DisposeAsync();
        await _conn.DisposeAsync();
    }
}
