-- file_expired_at is when the stored file of an upload that ended without running (abandoned)
-- was deleted because it was kept longer than the deployment keeps such files (Unix
-- microseconds; store.Accounts.ExpireUploadFiles). The record stays; it can no longer be
-- retried, only uploaded again.
ALTER TABLE uploads ADD COLUMN file_expired_at INTEGER;
