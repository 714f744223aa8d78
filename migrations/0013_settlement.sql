-- Every submit that may have been billed is settled before the item can be paid for again.
--
-- An attempt is *unsettled* from its send mark (sent_at) until its answer was written with the item's move, or an
-- operator settled it (adopted its job, released its possible charge because no job exists, or kept the charge).
-- Retry and resubmit refuse an item with an unsettled attempt, inside their guarded statements. A late answer (a job
-- id or outputs that arrive after the item moved on) unsettles its attempt again, and is booked.
alter table provider_attempts add column run integer not null default 1;
update provider_attempts a set run = i.run from items i where i.id = a.item_id;
alter table provider_attempts add column settled_at timestamptz;
-- answered (written with the move) · adopted · released (no job existed) · kept (the charge stands) · before-upgrade
alter table provider_attempts add column settlement text;

-- What was open before this migration stays open: a submit in flight, and the attempt an item waits for review on.
update provider_attempts a set settled_at = coalesce(a.finished_at, a.claimed_at), settlement = 'before-upgrade'
where a.sent_at is not null
  and not exists (
      select 1 from items i
      where i.id = a.item_id and i.run = a.run
        and ((i.state = 'Submitting' and a.outcome is null)
             or (i.state = 'NeedsReview' and a.outcome in ('ambiguous', 'lost', 'late'))));

create index provider_attempts_unsettled on provider_attempts (item_id) where sent_at is not null and settled_at is null;

-- Copies that fail for one cause across items (our configuration, our storage, our outbound guard) pause new
-- submissions to the provider instead of paying for outputs that cannot be stored.
alter table provider_breakers add column copy_failures integer not null default 0;
alter table provider_breakers add column copy_failure text;
