-- ASP.NET Core data-protection keys (they sign the dashboard's antiforgery tokens), shared by every web host on this
-- database: a form served by one instance behind a load balancer can be posted to another. One row per key, as the
-- key manager writes it (XML); keys are created and retired by ASP.NET Core, never edited here.
create table data_protection_keys (
    id             bigint generated always as identity primary key,
    friendly_name  text,
    xml            text not null,
    created_at     timestamptz not null default now()
);
