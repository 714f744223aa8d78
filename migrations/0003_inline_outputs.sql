-- Outputs that providers return in the answer itself (OpenAI's b64_json) rather than as a temporary URL:
-- the base64 text is kept here, with the completion, until the copy step streams it into storage and clears it.
alter table outputs add column inline_b64 text;
