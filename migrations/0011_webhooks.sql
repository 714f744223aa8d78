-- Completion webhooks: when every item of a manifest is final, its summary is POSTed to the manifest's URL, signed,
-- retried with back-off; every delivery attempt is recorded.
create table webhooks (
    manifest_id      uuid primary key references manifests (id) on delete cascade,
    url              text not null,
    state            text not null default 'waiting' check (state in ('waiting', 'delivered', 'failed')),
    attempts         integer not null default 0,
    next_attempt_at  timestamptz not null default now(),
    delivered_at     timestamptz
);
create index webhooks_waiting on webhooks (next_attempt_at) where state = 'waiting';

create table webhook_deliveries (
    id           bigint generated always as identity primary key,
    manifest_id  uuid not null references manifests (id) on delete cascade,
    attempt      integer not null,
    at           timestamptz not null default now(),
    status_code  integer,
    error        text,
    duration_ms  integer not null
);
create index webhook_deliveries_manifest on webhook_deliveries (manifest_id, id);
