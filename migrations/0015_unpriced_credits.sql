-- Money where a price is known, and an explicit "unpriced" where it is not: the running totals keep the credits booked
-- without a money figure (no CreditPriceUsd then), so a total never passes off a partly priced sum as the whole cost.
alter table usage_totals add column unpriced_credits numeric not null default 0;
alter table usage_deltas add column unpriced_credits numeric not null default 0;

create or replace function count_ledger_entries() returns trigger language plpgsql as $$
begin
    insert into usage_deltas (day, manifest_id, provider, kind, estimated, credits, cost_usd, unpriced_credits, entries)
    select (created_at at time zone 'UTC')::date, manifest_id, provider, kind, estimated, sum(credits), sum(cost_usd),
           coalesce(sum(credits) filter (where cost_usd is null), 0), count(*)
    from inserted group by 1, 2, 3, 4, 5;
    return null;
end $$;

create or replace function fold_totals() returns void language plpgsql as $$
begin
    if not pg_try_advisory_xact_lock(7373001) then return; end if;
    with moved as (delete from item_state_deltas returning manifest_id, state, items)
    insert into item_state_totals as t (manifest_id, state, items)
    select manifest_id, state, sum(items) from moved where exists (select from manifests m where m.id = moved.manifest_id)
    group by manifest_id, state
    on conflict (manifest_id, state) do update set items = t.items + excluded.items;

    with moved as (delete from usage_deltas returning *)
    insert into usage_totals as t (day, manifest_id, provider, kind, estimated, credits, cost_usd, unpriced_credits, entries)
    select day, manifest_id, provider, kind, estimated, sum(credits), sum(cost_usd), sum(unpriced_credits), sum(entries)
    from moved where exists (select from manifests m where m.id = moved.manifest_id)
    group by day, manifest_id, provider, kind, estimated
    on conflict (day, manifest_id, provider, kind, estimated) do update
        set credits = t.credits + excluded.credits, entries = t.entries + excluded.entries,
            unpriced_credits = t.unpriced_credits + excluded.unpriced_credits,
            cost_usd = case when t.cost_usd is null and excluded.cost_usd is null then null
                            else coalesce(t.cost_usd, 0) + coalesce(excluded.cost_usd, 0) end;

    delete from item_state_totals where items = 0;
end $$;

-- The money totals, rebuilt from the ledger with the new column (the migration holds the tables' locks meanwhile).
lock table usage_ledger, usage_deltas, usage_totals in exclusive mode;
delete from usage_deltas;
delete from usage_totals;
insert into usage_totals (day, manifest_id, provider, kind, estimated, credits, cost_usd, unpriced_credits, entries)
select (created_at at time zone 'UTC')::date, manifest_id, provider, kind, estimated, sum(credits), sum(cost_usd),
       coalesce(sum(credits) filter (where cost_usd is null), 0), count(*)
from usage_ledger group by 1, 2, 3, 4, 5;
