-- The file of an accepted upload, kept until the upload finishes, so that any process sharing
-- the store can claim and run a queued upload (store.Accounts.QueueUpload, ClaimUpload: FOR
-- UPDATE SKIP LOCKED), and an abandoned one can be retried. confirm_retire is the request's
-- confirm_retire=N.
CREATE TABLE upload_files (
	upload_id      text COLLATE "C" PRIMARY KEY REFERENCES uploads (id) ON DELETE CASCADE,
	body           bytea NOT NULL,
	confirm_retire integer NOT NULL DEFAULT 0
);
CREATE INDEX uploads_queued ON uploads (created_at, id) WHERE status = 'queued';
