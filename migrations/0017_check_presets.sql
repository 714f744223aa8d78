-- A manifest may name a sales channel whose image limits every output is checked against (submit --check shopify).
alter table manifests add column check_preset text;
