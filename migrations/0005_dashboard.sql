-- What the dashboard and the HTTP API need: worker heartbeats, provider pauses, and indexes that keep every page
-- fast at 1,000,000 items (keyset paging, search, the last 24 h / 7 d, spend today).

-- One row per worker process, upserted by its heartbeat: the Workers page and `status` read it.
create table workers (
    name          text primary key,
    host          text not null,
    pid           integer not null,
    version       text not null,
    concurrency   integer not null,
    in_flight     integer not null default 0,
    started_at    timestamptz not null default now(),
    heartbeat_at  timestamptz not null default now(),
    stopped_at    timestamptz
);

-- An operator's pause: no new submissions to that provider until resumed. Jobs already running are still polled
-- and copied (they are paid for).
create table provider_pauses (
    provider   text primary key,
    paused_by  text not null,
    reason     text not null,
    paused_at  timestamptz not null default now()
);

-- Keyset paging of a manifest's items, all or in one state, in import order.
drop index items_manifest_state;
create index items_manifest_state on items (manifest_id, state, id);
create index items_manifest_id on items (manifest_id, id);

-- Search on row id, prompt and reason: a trigram index answers `ilike '%text%'` without reading every row.
create extension if not exists pg_trgm;
create index items_search on items using gin ((row_id || ' ' || prompt || ' ' || reason) gin_trgm_ops);

-- Throughput and history charts: items that finished in a window.
create index items_finished on items (finished_at, state) where finished_at is not null;
-- Items waiting for a person, and outputs that expire soon: the overview's alerts.
create index items_parked on items (state) where state in ('NeedsReview', 'Held');
create index items_expiring on items (outputs_expire_at) where state in ('Running', 'Copying');

-- Spend today, and each provider's last reported balance.
create index usage_ledger_created on usage_ledger (created_at);
create index usage_ledger_balance on usage_ledger (provider, created_at) where balance_after is not null;
