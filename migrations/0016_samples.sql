-- Sample first, then the rest: a manifest submitted with --sample runs a few items and holds the rest until a person
-- approves (approval 'awaiting' → 'approved'); the items of the sample are marked.
alter table manifests
    add column sample_size int,
    add column sample_by text,
    add column approval text check (approval in ('awaiting', 'approved'));

alter table items add column in_sample boolean not null default false;

create index items_sample on items (manifest_id) where in_sample;
