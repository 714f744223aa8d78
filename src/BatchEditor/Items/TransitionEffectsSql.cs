using BatchEditor.Providers;
using Npgsql;
using NpgsqlTypes;

namespace BatchEditor.Items;

/// <summary>
/// What a transition writes with its move, besides the row itself: the history row, ledger rows, outputs (new, stored,
/// expired, reused), its attempt's outcome and settlement, a claim's attempts and reservations — each a fixed fragment
/// of the one statement <see cref="TransitionSql.UpdateAsync"/> builds, with the method that binds its typed parameters.
/// </summary>
internal static partial class TransitionSql
{
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
