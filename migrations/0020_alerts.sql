-- Alerts: conditions an operator should hear about, evaluated by the workers. One row per episode of a rule for a
-- subject (a manifest, a provider, a schedule, the cluster): fired, still firing, resolved. Notifications go out as
-- digests, at most one per rule per interval while it fires, and once when it resolves.
create table alerts (
    id                  bigint generated always as identity primary key,
    rule                text not null,
    subject             text not null,
    detail              text not null,
    fired_at            timestamptz not null default now(),
    resolved_at         timestamptz,
    -- the last digest this episode was in while firing, and the one that said it resolved
    notified_at         timestamptz,
    resolve_notified_at timestamptz
);
create unique index alerts_open on alerts (rule, subject) where resolved_at is null;
create index alerts_recent on alerts (fired_at desc);

-- Each digest as sent (its JSON body), and how its delivery went per channel: null = channel not configured,
-- 'waiting', 'delivered', 'failed'.
create table alert_digests (
    id          bigint generated always as identity primary key,
    created_at  timestamptz not null default now(),
    body        jsonb not null,
    webhook     text,
    slack       text,
    detail      text
);
