-- Privacy: a keyed hash of the caller's full number (HMAC-SHA256 of the normalized number, key in
-- <data_dir>/privacy.key), so data-subject requests by number find calls stored with a masked
-- caller. Rows from before this migration have none.
ALTER TABLE calls ADD COLUMN caller_hash TEXT;
CREATE INDEX calls_caller_hash ON calls(caller_hash);
-- Retention deletes by age.
CREATE INDEX IF NOT EXISTS callbacks_created ON callbacks(created_at);
