-- Routes: a row may name an ordered list of provider/model choices instead of one provider. The item keeps the choices
-- that can take its row (validated at import, 'provider:model' each); `provider` and `model` are the current choice,
-- and `routed` says why the item last moved to it. Pending items of a provider that cannot take work (breaker open,
-- paused, day budget or credits floor reached) move to the next choice that can; an item with a possibly-billed
-- attempt never moves.
alter table items add column route text[], add column routed text;
create index items_pending_routed on items (provider) where state = 'Pending' and route is not null;
