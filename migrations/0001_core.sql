-- BatchEditor core schema. Applied by `batch-editor migrate` (Persistence/Migrator.cs) under an
-- advisory lock; never edit an applied migration, add a new file instead.

create table manifests (
    id              uuid primary key,
    name            text not null unique,
    content_hash    text not null,
    source_file     text not null,
    default_provider text not null,
    item_count      integer not null,
    created_at      timestamptz not null default now()
);
create index manifests_content_hash on manifests (content_hash);

-- The items table is the work queue (docs/architecture.md): workers claim due rows with
-- FOR UPDATE SKIP LOCKED. `state` is one of ItemState (Items/ItemState.cs, docs/state-machine.md).
create table items (
    id                bigint generated always as identity primary key,
    manifest_id       uuid not null references manifests (id) on delete cascade,
    row_id            text not null,
    line              integer not null,
    provider          text not null,
    model             text not null,
    prompt            text not null,
    image_urls        text[] not null,
    mask_url          text,
    size              text,
    quality           text,
    n                 integer not null default 1,
    output_format     text,
    row_data          jsonb not null default '{}',
    state             text not null default 'Pending'
        check (state in ('Pending','Submitting','Running','Copying','NeedsReview','Held',
                         'Succeeded','Failed','Expired','Cancelled')),
    reason            text not null default 'imported',
    next_run_at       timestamptz not null default now(),
    lease_owner       text,
    lease_expires_at  timestamptz,
    submit_attempts   integer not null default 0,
    poll_count        integer not null default 0,
    copy_attempts     integer not null default 0,
    provider_job_id   text,
    status_url        text,
    submitted_at      timestamptz,
    outputs_expire_at timestamptz,
    finished_at       timestamptz,
    updated_at        timestamptz not null default now(),
    unique (manifest_id, row_id)
);
-- The claim: due work in the active states, earliest first.
create index items_due on items (next_run_at)
    where state in ('Pending','Running','Copying');
-- Per-provider caps count what is in flight at each provider.
create index items_in_flight on items (provider)
    where state in ('Submitting','Running');
-- The rescuer looks for lapsed leases.
create index items_leased on items (lease_expires_at)
    where lease_owner is not null;
create index items_manifest_state on items (manifest_id, state);

-- One row per submit call: `sent_at` is set just before the request leaves, so the rescuer can tell
-- "never sent, safe to retry" from "may have reached the provider, may be billed".
create table provider_attempts (
    id               bigint generated always as identity primary key,
    item_id          bigint not null references items (id) on delete cascade,
    provider         text not null,
    worker           text not null,
    claimed_at       timestamptz not null default now(),
    sent_at          timestamptz,
    finished_at      timestamptz,
    outcome          text,
    http_status      integer,
    provider_job_id  text,
    detail           text
);
create index provider_attempts_item on provider_attempts (item_id);
create index provider_attempts_rate on provider_attempts (provider, claimed_at);

create table outputs (
    id            bigint generated always as identity primary key,
    item_id       bigint not null references items (id) on delete cascade,
    ordinal       integer not null,
    source_url    text not null,
    expires_at    timestamptz,
    state         text not null default 'Pending' check (state in ('Pending','Stored','Expired')),
    blob_name     text,
    location      text,
    content_type  text,
    size_bytes    bigint,
    md5           text,
    stored_at     timestamptz,
    unique (item_id, ordinal)
);

-- Every credit and cent: rows are only ever added. The best-known cost of anything is the sum of its
-- rows; `estimated` says whether a row is our estimate or a figure the provider reported.
create table usage_ledger (
    id              bigint generated always as identity primary key,
    item_id         bigint not null references items (id) on delete cascade,
    manifest_id     uuid not null references manifests (id) on delete cascade,
    provider        text not null,
    kind            text not null check (kind in ('charge','adjustment','refund')),
    credits         numeric(14,4) not null default 0,
    cost_usd        numeric(14,6),
    estimated       boolean not null,
    balance_after   numeric(14,4),
    note            text not null,
    created_at      timestamptz not null default now()
);
create index usage_ledger_manifest on usage_ledger (manifest_id);
create index usage_ledger_item on usage_ledger (item_id);

create table item_history (
    id          bigint generated always as identity primary key,
    item_id     bigint not null references items (id) on delete cascade,
    from_state  text,
    to_state    text not null,
    reason      text not null,
    actor       text not null,
    at          timestamptz not null default now()
);
create index item_history_item on item_history (item_id, id);
