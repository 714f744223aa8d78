-- Providers whose result is fetched from a URL other than the status URL (fal's response_url).
alter table items add column result_url text;
