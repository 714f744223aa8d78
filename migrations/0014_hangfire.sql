-- Hangfire replaces Quartz: schedules become Hangfire recurring jobs, maintenance runs in Hangfire's servers, and a
-- manifest's finish (and its webhook) is a Hangfire job. Hangfire's own tables live in schema "hangfire", installed by
-- `batch-editor migrate` with the scripts Hangfire.PostgreSql ships (Jobs/HangfireSchema.cs), not by this file.

-- A schedule's pause was Quartz's trigger state; it is BatchEditor's now (a paused schedule has no recurring job).
alter table schedules add column paused_at timestamptz;
do $$
begin
    if to_regclass('qrtz_triggers') is not null then
        update schedules s set paused_at = now()
        from qrtz_triggers t where t.trigger_group = 'schedules' and t.trigger_name = s.name and t.trigger_state = 'PAUSED';
    end if;
end $$;
-- Quartz's cron expressions (seconds first, '?', Sunday = 1) are converted to crontab when the schedule's recurring job
-- is created, on the first start after this migration (Scheduling/Crontab.cs).

-- Every table Quartz created (its script's list grew between versions).
do $$
declare t text;
begin
    for t in select tablename from pg_tables where schemaname = current_schema() and tablename like 'qrtz\_%' loop
        execute format('drop table if exists %I cascade', t);
    end loop;
end $$;

-- When every item of a manifest became final (its finishing job ran), and when that job was claimed.
alter table manifests add column finished_at timestamptz, add column finish_enqueued_at timestamptz;
-- Manifests already finished are not finished again, except those whose webhook still waits: their finishing job sends it.
update manifests m set finished_at = now()
where not exists (select 1 from items i where i.manifest_id = m.id
                  and i.state in ('Pending', 'Submitting', 'Running', 'Copying', 'NeedsReview', 'Held'))
  and not exists (select 1 from webhooks w where w.manifest_id = m.id and w.state = 'waiting');

-- A delivery's retries are Hangfire's now.
drop index if exists webhooks_waiting;
alter table webhooks drop column next_attempt_at;

-- A manifest uploaded over the API is stored here first (streamed, never held in memory), then imported by a Hangfire
-- job on a worker; the row keeps the outcome for `GET /api/imports/{id}`. The manifest records its upload, so an import
-- retried after a crash finds it instead of importing it twice.
create table manifest_uploads (
    id           uuid primary key,
    file_name    text not null,
    request      jsonb not null,
    content      bytea,
    state        text not null default 'queued' check (state in ('queued', 'imported', 'refused', 'duplicate')),
    manifest_id  uuid references manifests (id) on delete set null,
    result       jsonb,
    created_at   timestamptz not null default now(),
    finished_at  timestamptz
);
alter table manifests add column upload_id uuid unique;
