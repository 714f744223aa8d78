-- OpenAI's Batch API for work with a deadline (submit --deadline 24h): an OpenAI item waits for a batch until
-- batch_until (its deadline less the margin a synchronous submit needs); while it is in a batch, batch_id names it and
-- the batch, not a poll per item, finds it done. provider_batches keeps each batch and what became of it.
alter table items add column deadline_at timestamptz, add column batch_until timestamptz, add column batch_id text;
create index items_batch_waiting on items (id) where state = 'Pending' and batch_until is not null;
create index items_in_batch on items (batch_id) where batch_id is not null;
alter table manifests add column deadline_at timestamptz;

create table provider_batches (
    id                   text primary key,
    provider             text not null,
    input_file_id        text not null,
    items                integer not null,
    status               text not null,
    deadline_at          timestamptz,
    created_at           timestamptz not null default now(),
    checked_at           timestamptz,
    cancel_requested_at  timestamptz,
    ended_at             timestamptz,
    output_file_id       text,
    error_file_id        text,
    read_at              timestamptz,
    detail               text
);
create index provider_batches_open on provider_batches (created_at) where read_at is null;
