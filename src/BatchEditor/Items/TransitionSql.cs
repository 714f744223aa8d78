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
internal static partial class TransitionSql
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

}
