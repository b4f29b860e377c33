-- Meeting jobs: liveness by lease instead of by PID. The worker holding a job refreshes
-- heartbeat_at (unix seconds) while it runs; a running job whose heartbeat is older than
-- [meetings] job_lease_s, or whose boot_id differs from the host's current boot, is dead and is
-- taken over by the next worker or queued again by `rathaus jobs retry`.
ALTER TABLE jobs ADD COLUMN heartbeat_at REAL;
ALTER TABLE jobs ADD COLUMN boot_id TEXT;
