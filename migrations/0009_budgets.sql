-- Budgets. A manifest may cap what it spends (credits, dollars); a provider may cap what it spends per UTC day and
-- keep a floor of credits. The estimate of an item is reserved on the item when it is claimed for submission and
-- counts against the budgets until the provider's charge replaces it (in the transaction that leaves Submitting).
alter table manifests add column budget_credits numeric(14,4), add column budget_usd numeric(14,6);
alter table items add column reserved_credits numeric(14,4), add column reserved_usd numeric(14,6);

-- A pause may end by itself: a provider whose daily budget is spent is paused until the next UTC midnight.
alter table provider_pauses add column resume_at timestamptz;
