-- Reports of problems with sites from the public (store.Reports): the organisations'
-- corrections inbox. Nothing about the sender is kept: only the kind and the note they typed.
-- site_id is the stored site ID (a confidential site's public ID is resolved before storing).
CREATE TABLE reports (
	id              text COLLATE "C" PRIMARY KEY,
	organization_id text NOT NULL REFERENCES organizations (id),
	site_id         text COLLATE "C" NOT NULL,
	kind            text NOT NULL,
	note            text NOT NULL DEFAULT '',
	status          text NOT NULL DEFAULT 'open',
	created_at      timestamptz NOT NULL,
	handled_at      timestamptz,
	handled_by      text NOT NULL DEFAULT ''
);
CREATE INDEX reports_inbox ON reports (organization_id, status, created_at);
CREATE INDEX reports_site ON reports (site_id, created_at);
