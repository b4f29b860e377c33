-- Phone bot: where a call was transferred to, how long it lasted, which SIP worker took it.
ALTER TABLE calls ADD COLUMN transfer_target TEXT;
ALTER TABLE calls ADD COLUMN duration_s REAL;
ALTER TABLE calls ADD COLUMN sip_worker TEXT;
CREATE INDEX callbacks_status ON callbacks(status, created_at);
