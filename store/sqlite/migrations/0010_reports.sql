-- Reports of problems with sites from the public (store.Reports): the organisations'
-- corrections inbox. Nothing about the sender is kept: only the kind and the note they typed.
-- site_id is the stored site ID (a confidential site's public ID is resolved before storing).
CREATE TABLE reports (
	id              TEXT PRIMARY KEY,
	organization_id TEXT NOT NULL REFERENCES organizations (id),
	site_id         TEXT NOT NULL,
	kind            TEXT NOT NULL,
	note            TEXT NOT NULL DEFAULT '',
	status          TEXT NOT NULL DEFAULT 'open',
	created_at      INTEGER NOT NULL, -- microseconds since the Unix epoch
	handled_at      INTEGER,
	handled_by      TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX reports_inbox ON reports (organization_id, status, created_at);
CREATE INDEX reports_site ON reports (site_id, created_at);
