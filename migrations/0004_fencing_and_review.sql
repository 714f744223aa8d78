-- Fenced leases, operator review, runs, possible charges and the provider circuit breaker.

-- A fresh token per claim: every leased write is guarded on it, so a worker that lost its item (paused past its
-- lease, restarted with the same host:pid) can never write to it again. `lease_owner` stays, for people.
alter table items add column lease_token uuid;
-- Set by the fenced "about to send" mark of the current claim, in the same guarded statement that checks the
-- lease: the rescuer reads it on the same row it moves, so its decision and its move are one statement.
alter table items add column submit_sent_at timestamptz;
-- Each operator retry or resubmit starts a new run: outputs (and their blob names) belong to one run, so an
-- output of an earlier run is never taken for a later one.
alter table items add column run integer not null default 1;
-- When the current streak of "nothing was created" refusals began (a provider outage): items wait it out.
alter table items add column retrying_since timestamptz;

alter table outputs add column run integer not null default 1;
alter table outputs drop constraint outputs_item_id_ordinal_key;
alter table outputs add constraint outputs_item_run_ordinal unique (item_id, run, ordinal);

-- A result that came back after its worker lost the lease: never dropped, kept here for adoption
-- (job reference, status URL, outputs with any inline base64, reported cost).
alter table provider_attempts add column late_result jsonb;

-- Ledger rows name the submit attempt that caused them, so a possible charge can be released exactly.
-- 'release': a possible charge (an ambiguous submit) withdrawn because the operator found no job at the provider.
alter table usage_ledger add column attempt_id bigint references provider_attempts (id) on delete set null;
-- ... and the run of the item they belong to: a retried item's new job is settled against its own run only.
alter table usage_ledger add column run integer not null default 1;
alter table usage_ledger drop constraint usage_ledger_kind_check;
alter table usage_ledger add constraint usage_ledger_kind_check check (kind in ('charge','adjustment','refund','release'));

-- One row per provider that has failed recently: consecutive submit failures (5xx, timeouts, refused
-- connections) open the breaker cluster-wide until `open_until`; then one probe is let through.
create table provider_breakers (
    provider             text primary key,
    consecutive_failures integer not null default 0,
    opened_at            timestamptz,
    open_until           timestamptz,
    last_failure         text,
    updated_at           timestamptz not null default now()
);
