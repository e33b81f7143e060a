-- heartbeat_at is when the process running an upload last said it is still at work (Unix
-- microseconds); an upload left queued or running without one for long is abandoned
-- (store.Accounts.AbandonUploads): its process died and its transaction was rolled back.
ALTER TABLE uploads ADD COLUMN heartbeat_at INTEGER;
CREATE INDEX uploads_unfinished ON uploads (status) WHERE status IN ('queued', 'running');
