-- Priority and fair shares. A manifest's priority (higher first) decides whose Pending items take a provider's free
-- slots; within one priority the slots go to the manifest with the fewest jobs in flight at that provider, so a
-- 20-row urgent batch runs beside a 1,000,000-row nightly one instead of behind it.
alter table manifests add column priority integer not null default 0;

-- The submission claim asks, per provider and active manifest, for the next due Pending items: one index range each.
create index items_pending_claim on items (provider, manifest_id, next_run_at, id) where state = 'Pending';
