-- Nightly schedules, submit windows and start times.

-- A schedule imports every new CSV in its source folder when its Quartz cron trigger fires (the trigger and its job
-- live in Quartz's clustered tables under the group 'schedules' and the schedule's name). What the imported manifests
-- get (row defaults, priority, budgets, window, webhook) is kept here as JSON, as `submit` takes it.
create table schedules (
    name         text primary key,
    cron         text not null,
    time_zone    text not null,
    source       text not null,
    defaults     jsonb not null,
    settings     jsonb not null,
    created_at   timestamptz not null default now(),
    last_run_at  timestamptz,
    last_result  text
);

-- Every file a schedule has seen, once per content: imported (with its manifest), refused (with the problems), or a
-- file imported before by other means. A file is never imported twice by a schedule, renamed or not.
create table schedule_files (
    id            bigint generated always as identity primary key,
    schedule      text not null references schedules (name) on delete cascade,
    file_name     text not null,
    content_hash  text not null,
    outcome       text not null check (outcome in ('imported', 'refused', 'duplicate')),
    manifest_id   uuid references manifests (id) on delete set null,
    detail        text not null,
    seen_at       timestamptz not null default now(),
    unique (schedule, content_hash)
);

-- A manifest may wait for a time (`submit --at`) and submit only inside a daily window in a time zone
-- (`--window 02:00-06:00`); outside it, its Pending items wait. A window may pass midnight (22:00-04:00).
alter table manifests add column not_before timestamptz, add column window_start time, add column window_end time,
    add column window_time_zone text;

create function submit_window_open(starts time, ends time, zone text) returns boolean language sql stable as $$
    select starts is null
        or case when starts <= ends then (now() at time zone zone)::time >= starts and (now() at time zone zone)::time < ends
                else (now() at time zone zone)::time >= starts or (now() at time zone zone)::time < ends end
$$;
