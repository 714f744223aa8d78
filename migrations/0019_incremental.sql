-- Incremental runs (submit --only-changed, schedules with --only-changed): each item imported that way carries the
-- key of the edit it asks for — the SHA-256 of its input images' bytes, its mask's bytes, its prompt after templating
-- and its parameters. A row whose key equals that of an item of the same row id that already succeeded is not sent:
-- it is Succeeded at import with that item's stored outputs (reused_from names it).
alter table items add column edit_key text, add column reused_from bigint references items (id) on delete set null;
create index items_succeeded_edit on items (row_id, edit_key) where state = 'Succeeded' and edit_key is not null;
-- How many of a manifest's items were unchanged at import (the dashboard says so without counting its items).
alter table manifests add column unchanged_items integer not null default 0;
