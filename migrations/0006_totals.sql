-- Running totals: items per manifest and state, and money per day, manifest, provider and kind. Counting 1,000,000
-- items or summing the ledger on every dashboard page or `status` takes hundreds of milliseconds; these take one.
--
-- Triggers append a delta row for every change of an item's state and every ledger entry. Appending only means no
-- hot row for concurrent workers to queue on and no lock order to deadlock on. Any process folds the deltas into the
-- totals now and then (fold_totals, called by the TotalsFolder of every worker and web host). Readers add the
-- unfolded deltas to the totals in one statement, so a figure is exact at once, folded or not.

create table item_state_totals (
    manifest_id  uuid not null references manifests (id) on delete cascade,
    state        text not null,
    items        bigint not null,
    primary key (manifest_id, state)
);

create table item_state_deltas (
    id           bigint generated always as identity primary key,
    manifest_id  uuid not null,
    state        text not null,
    items        bigint not null
);
create index item_state_deltas_manifest on item_state_deltas (manifest_id);

-- The day is the UTC date of the ledger entry: spend today, usage by day.
create table usage_totals (
    day          date not null,
    manifest_id  uuid not null references manifests (id) on delete cascade,
    provider     text not null,
    kind         text not null,
    estimated    boolean not null,
    credits      numeric not null,
    cost_usd     numeric,
    entries      bigint not null,
    primary key (day, manifest_id, provider, kind, estimated)
);
create index usage_totals_manifest on usage_totals (manifest_id);

create table usage_deltas (
    id           bigint generated always as identity primary key,
    day          date not null,
    manifest_id  uuid not null,
    provider     text not null,
    kind         text not null,
    estimated    boolean not null,
    credits      numeric not null,
    cost_usd     numeric,
    entries      bigint not null
);
create index usage_deltas_manifest on usage_deltas (manifest_id);

-- Imports (COPY) insert many items in one statement: one delta per manifest and state, from the statement's rows.
create function count_inserted_items() returns trigger language plpgsql as $$
begin
    insert into item_state_deltas (manifest_id, state, items)
    select manifest_id, state, count(*) from inserted group by manifest_id, state;
    return null;
end $$;
create trigger items_count_inserted after insert on items
    referencing new table as inserted for each statement execute function count_inserted_items();

-- Transitions move one item or a few: the WHEN clause keeps every other update (leases, polls) from calling it.
create function count_item_move() returns trigger language plpgsql as $$
begin
    insert into item_state_deltas (manifest_id, state, items) values (old.manifest_id, old.state, -1), (new.manifest_id, new.state, 1);
    return null;
end $$;
create trigger items_count_move after update of state on items
    for each row when (old.state is distinct from new.state) execute function count_item_move();

create function count_ledger_entries() returns trigger language plpgsql as $$
begin
    insert into usage_deltas (day, manifest_id, provider, kind, estimated, credits, cost_usd, entries)
    select (created_at at time zone 'UTC')::date, manifest_id, provider, kind, estimated, sum(credits), sum(cost_usd), count(*)
    from inserted group by 1, 2, 3, 4, 5;
    return null;
end $$;
create trigger usage_ledger_count after insert on usage_ledger
    referencing new table as inserted for each statement execute function count_ledger_entries();

-- Moves the deltas into the totals, atomically (a reader sees them in one place or the other, never both or neither).
-- One folder at a time; a second caller returns at once. Deltas of a manifest deleted meanwhile are dropped.
create function fold_totals() returns void language plpgsql as $$
begin
    if not pg_try_advisory_xact_lock(7373001) then return; end if;
    with moved as (delete from item_state_deltas returning manifest_id, state, items)
    insert into item_state_totals as t (manifest_id, state, items)
    select manifest_id, state, sum(items) from moved where exists (select from manifests m where m.id = moved.manifest_id)
    group by manifest_id, state
    on conflict (manifest_id, state) do update set items = t.items + excluded.items;

    with moved as (delete from usage_deltas returning *)
    insert into usage_totals as t (day, manifest_id, provider, kind, estimated, credits, cost_usd, entries)
    select day, manifest_id, provider, kind, estimated, sum(credits), sum(cost_usd), sum(entries)
    from moved where exists (select from manifests m where m.id = moved.manifest_id)
    group by day, manifest_id, provider, kind, estimated
    on conflict (day, manifest_id, provider, kind, estimated) do update
        set credits = t.credits + excluded.credits, entries = t.entries + excluded.entries,
            cost_usd = case when t.cost_usd is null and excluded.cost_usd is null then null
                            else coalesce(t.cost_usd, 0) + coalesce(excluded.cost_usd, 0) end;

    delete from item_state_totals where items = 0;
end $$;

-- What was there before the triggers (the migration holds the tables' locks, so nothing moves meanwhile).
insert into item_state_totals (manifest_id, state, items)
select manifest_id, state, count(*) from items group by manifest_id, state;
insert into usage_totals (day, manifest_id, provider, kind, estimated, credits, cost_usd, entries)
select (created_at at time zone 'UTC')::date, manifest_id, provider, kind, estimated, sum(credits), sum(cost_usd), count(*)
from usage_ledger group by 1, 2, 3, 4, 5;
