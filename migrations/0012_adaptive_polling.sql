-- Adaptive polling learns how long each provider's jobs take from when a job was last seen unfinished and when it
-- was seen done: the last poll that found it still running is kept.
alter table items add column last_polled_at timestamptz;

-- Follow-ups (polls and copies) have their own due index: a few thousand rows in flight at most, however many
-- Pending items wait (those have items_pending_claim). The dispatcher also reads the earliest due time from it to
-- wake exactly when the next poll is due.
create index items_follow_up_due on items (next_run_at) where state in ('Running', 'Copying');
drop index items_due;
