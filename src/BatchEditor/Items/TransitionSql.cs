using System.Text;
using BatchEditor.Providers;
using Npgsql;
using NpgsqlTypes;

namespace BatchEditor.Items;

/// <summary>
/// The statement a <see cref="Transition"/> runs: one <c>UPDATE items</c> guarded by the states it may leave, with the
/// rows that go with the move written in the same statement (one round trip). Every fragment is fixed text here; a
/// transition only chooses which fragments apply and supplies their values as typed parameters.
/// </summary>
internal static class TransitionSql
{
    /// <summary>The items that moved: id, the state each was in, its manifest and provider, the run it was in, the claim's attempt.</summary>
    public sealed record Moved(long Id, string FromState, Guid ManifestId, string Provider, int FromRun, long? AttemptId);

    /// <summary>
    /// Moves the items and writes what goes with the move: the history rows (unless the transition says not to) and,
    /// for a single item, its ledger rows, its outputs and its attempt's outcome; for a claim, the new attempts. Nothing
    /// but the move's own rows is written when the guard matches nothing.
    /// </summary>
    public static async Task<List<Moved>> UpdateAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Transition t, CancellationToken ct)
    {
        if (t.LockFirst)
        {
            await using var lockRows = new NpgsqlCommand(LockRows, conn, tx);
            lockRows.Parameters.Add(new NpgsqlParameter<long[]>("ids", t.ItemIds));
            await lockRows.ExecuteNonQueryAsync(ct);
        }
        await using var cmd = new NpgsqlCommand(null, conn, tx);
        var p = cmd.Parameters;
        p.Add(new NpgsqlParameter<string>("to", t.To.ToString()));
        p.Add(new NpgsqlParameter<string>("reason", t.Reason));
        p.Add(new NpgsqlParameter<string>("actor", t.Actor));
        p.Add(new NpgsqlParameter<long[]>("ids", t.ItemIds));
        p.Add(new NpgsqlParameter<string[]>("from", ItemStates.Names(t.From)));

        var set = new StringBuilder(t.Claim is null ? "state = @to, reason = @reason, updated_at = now()" : ClaimSet);
        if (!t.KeepLease && t.Claim is null) set.Append(", lease_owner = null, lease_token = null, lease_expires_at = null");
        AppendChanges(set, p, t.Changes);

        var guard = new StringBuilder();
        if (t.LeaseToken is { } token)
        {
            guard.Append(" and lease_token = @token");
            p.Add(new NpgsqlParameter<Guid>("token", token));
        }
        AppendGuard(guard, p, t.Guard);

        var effects = new StringBuilder();
        if (t.WriteHistory) effects.Append(HistorySql);
        if (t.Ledger.OfType<LedgerEntry>().ToList() is { Count: > 0 } ledger)
        {
            effects.Append(LedgerSql);
            AddLedger(p, ledger, t.Attempt?.AttemptId);
        }
        if (t.Outputs is { } outputs)
        {
            effects.Append(OutputsSql);
            AddOutputs(p, outputs.Run, outputs.List);
        }
        if (t.StoresOutput is { } stored)
        {
            effects.Append(StoredSql);
            AddStored(p, stored.Ordinal, stored.Blob);
        }
        if (t.ExpiresOutputs) effects.Append(ExpiredSql);
        if (t.Attempt is { AttemptId: not null } attempt)
        {
            effects.Append(AttemptSql);
            AddAttempt(p, attempt);
        }
        if (t.BooksSentSubmits) effects.Append(BookSentSql);
        if (t.ReleasesUnsettled) effects.Append(ReleaseSql);
        if (t.Settles is { } how)
        {
            effects.Append(SettleSql);
            p.Add(new NpgsqlParameter<string>("s_how", how.ToString().ToLowerInvariant()));
        }
        var joins = "";
        if (t.Claim is { } claim)
        {
            effects.Append(ClaimAttemptSql);
            AddClaim(p, t.ItemIds, claim);
            joins += ClaimReserveJoin;
        }
        if (t.Changes.Prompts is { } prompts)
        {
            if (prompts.Length != t.ItemIds.Length) throw new ArgumentException("one prompt per item");
            set.Append(", prompt = pr.prompt");
            p.Add(new NpgsqlParameter<string[]>("c_prompts", prompts));
            joins += PromptsJoin;
        }
        if (t.Changes.ReusesOutputsOf is { } sources)
        {
            if (sources.Length != t.ItemIds.Length) throw new ArgumentException("one source item per item");
            set.Append(", reused_from = ru.source");
            p.Add(new NpgsqlParameter<long[]>("c_sources", sources));
            joins += ReuseJoin;
            effects.Append(ReusedOutputsSql);
        }
        var attemptColumn = t.Claim is null ? "null::bigint" : "(select c.id from claimed_attempts c where c.item_id = moved.id)";

        cmd.CommandText =
            $"""
            with moved as (
                update items set {set}
                from (select id, state as old_state, run as old_run, submit_sent_at as old_sent from items
                      where id = any(@ids) and state = any(@from){guard}
                      for update) o{joins}
                where items.id = o.id
                returning items.id, o.old_state, o.old_run, o.old_sent, items.manifest_id, items.provider, items.reserved_credits, items.reserved_usd, items.reused_from){effects}
            select id, old_state, manifest_id, provider, old_run, {attemptColumn} from moved
            """;
        var moved = new List<Moved>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            moved.Add(new(reader.GetInt64(0), reader.GetString(1), reader.GetGuid(2), reader.GetString(3), reader.GetInt32(4),
                reader.IsDBNull(5) ? null : reader.GetInt64(5)));
        return moved;
    }

    private const string LockRows = "select id from items where id = any(@ids) order by id for update";

    // The guards are evaluated under the row lock (FOR UPDATE re-reads a row changed meanwhile), so a compare-and-set
    // that loses a race matches nothing instead of overwriting the winner.
    private static void AppendGuard(StringBuilder sql, NpgsqlParameterCollection p, TransitionGuard g)
    {
        if (g.Run is { } run)
        {
            sql.Append(" and run = @g_run");
            p.Add(new NpgsqlParameter<int>("g_run", run));
        }
        if (g.Provider is { } provider)
        {
            sql.Append(" and provider = @g_provider");
            p.Add(new NpgsqlParameter<string>("g_provider", provider));
        }
        if (g.Batch is { } batch)
        {
            sql.Append(" and batch_id = @g_batch");
            p.Add(new NpgsqlParameter<string>("g_batch", batch));
        }
        if (g.LapsedAfterSend is { } sent)
            sql.Append(sent ? " and lease_expires_at < now() and submit_sent_at is not null" : " and lease_expires_at < now() and submit_sent_at is null");
        if (g.UnsettledAttempt is { } unsettled) sql.Append(unsettled ? " and exists (" + UnsettledAttempt + ")" : " and not exists (" + UnsettledAttempt + ")");
        if (g.NoLateAnswer) sql.Append(" and not exists (" + UnsettledAttempt + " and a.late_result is not null)");
        if (g.Recopyable) sql.Append(" and " + Recopyable);
    }

    private const string UnsettledAttempt = "select 1 from provider_attempts a where a.item_id = items.id and a.sent_at is not null and a.settled_at is null";

    // A run whose output failed its check is not copied on as if it were good: it runs again.
    private const string Recopyable =
        "items.reason not like '" + ItemTransitions.CheckFailedPrefix + "%' and exists (select 1 from outputs o where o.item_id = items.id and o.run = items.run and o.state = " + OutputStateSql.Pending + ") " +
        "and not exists (select 1 from outputs o where o.item_id = items.id and o.run = items.run and o.state = " + OutputStateSql.Pending + " and o.expires_at <= now())";

    private static void AppendChanges(StringBuilder sql, NpgsqlParameterCollection p, ItemChanges c)
    {
        if (c.NewRun)
            sql.Append(", run = run + 1, next_run_at = now(), retrying_since = null, submit_sent_at = null, provider_job_id = null, status_url = null, " +
                       "result_url = null, submitted_at = null, outputs_expire_at = null, poll_count = 0, copy_attempts = 0, finished_at = null");
        if (c.DueNow) sql.Append(", next_run_at = now()");
        if (c.JoinsBatch is { } batch)
        {
            sql.Append(", batch_id = @c_batch");
            p.Add(new NpgsqlParameter<string>("c_batch", batch));
        }
        if (c.LeavesBatch) sql.Append(", batch_id = null, batch_until = null");
        if (c.ClearsJob) sql.Append(", provider_job_id = null, status_url = null, result_url = null, submitted_at = null");
        if (c.Reroute is { } reroute)
        {
            // A batch is OpenAI's: an item routed elsewhere is submitted synchronously there.
            sql.Append(", provider = @c_provider, model = @c_model, routed = @c_routed, batch_until = null");
            p.Add(new NpgsqlParameter<string>("c_provider", reroute.To.Provider));
            p.Add(new NpgsqlParameter<string>("c_model", reroute.To.Model ?? throw new ArgumentException("a route's choice is stored with its model")));
            p.Add(new NpgsqlParameter<string>("c_routed", reroute.Why));
        }
        if (c.NextRunAt is { } next)
        {
            sql.Append(", next_run_at = @c_next");
            p.Add(new NpgsqlParameter<DateTime>("c_next", next.UtcDateTime));
        }
        if (c.Job is { } job)
        {
            sql.Append(", provider_job_id = @c_job, status_url = @c_status_url, result_url = @c_result_url");
            p.Add(new NpgsqlParameter<string>("c_job", job.JobId));
            p.Add(new NpgsqlParameter<string>("c_status_url", job.StatusUrl));
            p.Add(new NpgsqlParameter("c_result_url", NpgsqlDbType.Text) { Value = (object?)job.ResultUrl ?? DBNull.Value });
        }
        if (c.JobReference is { } reference)
        {
            sql.Append(", provider_job_id = @c_job");
            p.Add(new NpgsqlParameter<string>("c_job", reference));
        }
        sql.Append(c.SubmittedAt switch
        {
            Change.Now => ", submitted_at = now()",
            Change.NowIfUnset => ", submitted_at = coalesce(submitted_at, now())",
            _ => "",
        });
        sql.Append(c.FinishedAt switch
        {
            Change.Now => ", finished_at = now()",
            Change.Clear => ", finished_at = null",
            _ => "",
        });
        sql.Append(c.PollCount switch
        {
            Change.Increment => ", poll_count = poll_count + 1",
            Change.Reset => ", poll_count = 0",
            _ => "",
        });
        if (c.ClearsLastPoll) sql.Append(", last_polled_at = null");
        if (c.SeenUnfinishedAt is { } seen)
        {
            sql.Append(", last_polled_at = @c_polled");
            p.Add(new NpgsqlParameter<DateTime>("c_polled", seen.UtcDateTime));
        }
        sql.Append(c.CopyAttempts switch
        {
            Change.Increment => ", copy_attempts = copy_attempts + 1",
            Change.Reset => ", copy_attempts = 0",
            _ => "",
        });
        sql.Append(c.RetryingSince switch
        {
            Change.NowIfUnset => ", retrying_since = coalesce(retrying_since, now())",
            Change.Clear => ", retrying_since = null",
            _ => "",
        });
        if (c.OutputsExpireAt is { } expires)
        {
            sql.Append(", outputs_expire_at = @c_expires");
            p.Add(new NpgsqlParameter<DateTime>("c_expires", expires.UtcDateTime));
        }
        else if (c.ClearsOutputsExpiry) sql.Append(", outputs_expire_at = null");
    }

    private const string HistorySql =
        """
        , history as (
            insert into item_history (item_id, from_state, to_state, reason, actor)
            select id, old_state, @to, @reason, @actor from moved)
        """;

    // The ledger rows of a single-item move, each booked against the run the item was in.
    private const string LedgerSql =
        """
        , ledger as (
            insert into usage_ledger (item_id, manifest_id, provider, kind, credits, cost_usd, estimated, balance_after, note, attempt_id, run)
            select m.id, m.manifest_id, m.provider, e.kind, e.credits, e.usd, e.estimated, e.balance, e.note, e.attempt, m.old_run
            from moved m cross join unnest(@l_kind::text[], @l_credits::numeric[], @l_usd::numeric[], @l_estimated::boolean[],
                                           @l_balance::numeric[], @l_note::text[], @l_attempt::bigint[])
                                    as e(kind, credits, usd, estimated, balance, note, attempt))
        """;

    // At-least-once: a retried completion may insert the same outputs again; the first ones are kept.
    private const string OutputsSql =
        """
        , outs as (
            insert into outputs (item_id, run, ordinal, source_url, expires_at, inline_b64)
            select m.id, @o_run, o.ordinal, o.url, o.expires, o.b64
            from moved m cross join unnest(@o_ordinal::int[], @o_url::text[], @o_expires::timestamptz[], @o_b64::text[]) as o(ordinal, url, expires, b64)
            on conflict (item_id, run, ordinal) do nothing)
        """;

    // One output of the item's current run is in durable storage; its inline copy (if any) is no longer needed.
    private const string StoredSql =
        $"""
        , stored as (
            update outputs o set state = {OutputStateSql.Stored}, inline_b64 = null, blob_name = @st_blob, location = @st_location,
                content_type = @st_type, size_bytes = @st_size, md5 = @st_md5, stored_at = now()
            from moved m where o.item_id = m.id and o.run = m.old_run and o.ordinal = @st_ordinal)
        """;

    private const string ExpiredSql =
        $"""
        , expired as (
            update outputs o set state = {OutputStateSql.Expired}
            from moved m where o.item_id = m.id and o.run = m.old_run and o.state = {OutputStateSql.Pending})
        """;

    // The worker's answer, written with the move; it settles the attempt unless the outcome is unknown (Guards.Settles).
    private const string AttemptSql =
        """
        , attempt as (
            update provider_attempts set finished_at = now(), outcome = @a_outcome, http_status = @a_status, provider_job_id = @a_job, detail = @a_detail,
                settled_at = case when @a_settles then now() end, settlement = case when @a_settles then 'answered' end
            where id = @a_id and exists (select 1 from moved))
        """;

    // A cancel while the request is out: the estimate reserved at the claim, as a possible charge on the open attempt.
    private const string BookSentSql =
        $"""
        , booked as (
            insert into usage_ledger (item_id, manifest_id, provider, kind, credits, cost_usd, estimated, note, attempt_id, run)
            select m.id, m.manifest_id, m.provider, 'charge', coalesce(m.reserved_credits, 0), m.reserved_usd, true,
                   'possible charge: ' || @actor || ' cancelled the item while its submit was in flight', a.id, m.old_run
            from moved m cross join lateral (
                select id from provider_attempts where item_id = m.id and run = m.old_run and sent_at is not null and settled_at is null
                order by id desc limit 1) a
            where m.old_state = {StateSql.Submitting} and m.old_sent is not null)
        """;

    // No job existed: what is still booked against each unsettled attempt is withdrawn.
    private const string ReleaseSql =
        """
        , released as (
            insert into usage_ledger (item_id, manifest_id, provider, kind, credits, cost_usd, estimated, note, attempt_id, run)
            select m.id, m.manifest_id, m.provider, 'release', -sum(l.credits), -sum(l.cost_usd), false,
                   'possible charge released by ' || @actor || ': no job was found at the provider', l.attempt_id, min(l.run)
            from moved m
            join provider_attempts a on a.item_id = m.id and a.sent_at is not null and a.settled_at is null
            join usage_ledger l on l.attempt_id = a.id
            group by m.id, m.manifest_id, m.provider, l.attempt_id
            having sum(l.credits) <> 0 or coalesce(sum(l.cost_usd), 0) <> 0)
        """;

    private const string SettleSql =
        """
        , settled as (
            update provider_attempts a set settled_at = now(), settlement = @s_how
            from moved m where a.item_id = m.id and a.sent_at is not null and a.settled_at is null)
        """;

    // The claim: the items' own reason counts the attempt; the history row says who claimed it (@reason).
    private const string ClaimSet =
        "state = @to, reason = 'submitting (attempt ' || (items.submit_attempts + 1) || ')', updated_at = now(), " +
        "lease_owner = @actor, lease_token = gen_random_uuid(), lease_expires_at = now() + @k_lease, submit_sent_at = null, " +
        "submit_attempts = items.submit_attempts + 1, reserved_credits = k.credits, reserved_usd = k.usd";

    private const string ClaimReserveJoin = " join unnest(@ids, @k_credits::numeric[], @k_usd::numeric[]) as k(id, credits, usd) on k.id = o.id";

    private const string PromptsJoin = " join unnest(@ids, @c_prompts::text[]) as pr(id, prompt) on pr.id = o.id";

    private const string ReuseJoin = " join unnest(@ids, @c_sources::bigint[]) as ru(id, source) on ru.id = o.id";

    // The stored outputs of the item an unchanged one stands for, as the unchanged item's own (the same blobs).
    private const string ReusedOutputsSql =
        $"""
        , reused as (
            insert into outputs (item_id, run, ordinal, source_url, expires_at, state, blob_name, location, content_type, size_bytes, md5, stored_at)
            select m.id, m.old_run, s.ordinal, s.source_url, s.expires_at, s.state, s.blob_name, s.location, s.content_type, s.size_bytes, s.md5, s.stored_at
            from moved m join items src on src.id = m.reused_from join outputs s on s.item_id = src.id and s.run = src.run and s.state = {OutputStateSql.Stored})
        """;

    private const string ClaimAttemptSql =
        """
        , claimed_attempts as (
            insert into provider_attempts (item_id, provider, worker, run)
            select id, provider, @actor, old_run from moved
            returning id, item_id)
        """;

    private static void AddClaim(NpgsqlParameterCollection p, long[] ids, SubmitClaim claim)
    {
        if (claim.ReservedCredits.Length != ids.Length || claim.ReservedUsd.Length != ids.Length)
            throw new ArgumentException("a claim reserves one estimate per item");
        p.Add(new NpgsqlParameter<TimeSpan>("k_lease", claim.Lease));
        p.Add(new NpgsqlParameter<decimal[]>("k_credits", claim.ReservedCredits));
        p.Add(new NpgsqlParameter<decimal?[]>("k_usd", claim.ReservedUsd));
    }

    private static void AddLedger(NpgsqlParameterCollection p, List<LedgerEntry> entries, long? attemptId)
    {
        p.Add(new NpgsqlParameter<string[]>("l_kind", entries.Select(e => e.Kind).ToArray()));
        p.Add(new NpgsqlParameter<decimal[]>("l_credits", entries.Select(e => e.Credits).ToArray()));
        p.Add(new NpgsqlParameter<decimal?[]>("l_usd", entries.Select(e => e.CostUsd).ToArray()));
        p.Add(new NpgsqlParameter<bool[]>("l_estimated", entries.Select(e => e.Estimated).ToArray()));
        p.Add(new NpgsqlParameter<decimal?[]>("l_balance", entries.Select(e => e.BalanceAfter).ToArray()));
        p.Add(new NpgsqlParameter<string[]>("l_note", entries.Select(e => e.Note).ToArray()));
        p.Add(new NpgsqlParameter<long?[]>("l_attempt", entries.Select(e => e.AttemptId ?? attemptId).ToArray()));
    }

    private static void AddOutputs(NpgsqlParameterCollection p, int run, IReadOnlyList<OutputRef> outputs)
    {
        p.Add(new NpgsqlParameter<int>("o_run", run));
        p.Add(new NpgsqlParameter<int[]>("o_ordinal", outputs.Select(o => o.Ordinal).ToArray()));
        p.Add(new NpgsqlParameter<string[]>("o_url", outputs.Select(o => o.Url).ToArray()));
        p.Add(new NpgsqlParameter<DateTimeOffset?[]>("o_expires", outputs.Select(o => o.ExpiresAt?.ToUniversalTime()).ToArray()));
        p.Add(new NpgsqlParameter<string?[]>("o_b64", outputs.Select(o => o.InlineBase64).ToArray()));
    }

    private static void AddStored(NpgsqlParameterCollection p, int ordinal, StoredOutput blob)
    {
        p.Add(new NpgsqlParameter<int>("st_ordinal", ordinal));
        p.Add(new NpgsqlParameter<string>("st_blob", blob.BlobName));
        p.Add(new NpgsqlParameter<string>("st_location", blob.Location));
        p.Add(new NpgsqlParameter<string>("st_type", blob.ContentType));
        p.Add(new NpgsqlParameter<long>("st_size", blob.Size));
        p.Add(new NpgsqlParameter<string>("st_md5", blob.Md5Base64));
    }

    private static void AddAttempt(NpgsqlParameterCollection p, (long? AttemptId, string Outcome, int? HttpStatus, string? JobId, string? Detail) a)
    {
        p.Add(new NpgsqlParameter<long>("a_id", a.AttemptId!.Value));
        p.Add(new NpgsqlParameter<string>("a_outcome", a.Outcome));
        p.Add(new NpgsqlParameter<int?>("a_status", a.HttpStatus));
        p.Add(new NpgsqlParameter("a_job", NpgsqlDbType.Text) { Value = (object?)a.JobId ?? DBNull.Value });
        p.Add(new NpgsqlParameter("a_detail", NpgsqlDbType.Text) { Value = (object?)a.Detail ?? DBNull.Value });
        p.Add(new NpgsqlParameter<bool>("a_settles", Guards.Settles(a.Outcome)));
    }
}
