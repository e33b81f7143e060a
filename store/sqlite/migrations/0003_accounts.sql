-- API tokens, uploads made over HTTP and the history of every change made with a token.
-- Times are INTEGER microseconds since the Unix epoch, UTC; NULL where the domain has a zero time.

-- Only the SHA-256 of a token's secret is kept: a copy of the database gives no usable token.
-- organization_id is '' for a deployment-wide admin.
CREATE TABLE tokens (
	id              TEXT PRIMARY KEY,
	organization_id TEXT NOT NULL,
	role            TEXT NOT NULL CHECK (role IN ('editor', 'admin')),
	hash            BLOB NOT NULL UNIQUE,
	created_at      INTEGER NOT NULL,
	expires_at      INTEGER,
	revoked_at      INTEGER
) STRICT;

CREATE INDEX tokens_organization ON tokens (organization_id, created_at);

-- One row per upload (and rollback and site edit); report is the ingest report's JSON.
CREATE TABLE uploads (
	id              TEXT PRIMARY KEY,
	organization_id TEXT NOT NULL,
	token_id        TEXT NOT NULL,
	status          TEXT NOT NULL,
	mode            TEXT NOT NULL,
	dry_run         INTEGER NOT NULL CHECK (dry_run IN (0, 1)),
	filename        TEXT NOT NULL DEFAULT '',
	rollback_of     TEXT NOT NULL DEFAULT '',
	created_at      INTEGER NOT NULL,
	started_at      INTEGER,
	finished_at     INTEGER,
	created         INTEGER NOT NULL DEFAULT 0,
	updated         INTEGER NOT NULL DEFAULT 0,
	unchanged       INTEGER NOT NULL DEFAULT 0,
	retired         INTEGER NOT NULL DEFAULT 0,
	rejected        INTEGER NOT NULL DEFAULT 0,
	error           TEXT NOT NULL DEFAULT '',
	report          TEXT
) STRICT;

CREATE INDEX uploads_organization ON uploads (organization_id, created_at);

-- One row per site changed by an upload opened with an actor, written in the upload's own
-- transaction. before is NULL for a created site; both are aidmap.Site's JSON.
CREATE TABLE history (
	id              INTEGER PRIMARY KEY AUTOINCREMENT,
	organization_id TEXT NOT NULL,
	site_id         TEXT NOT NULL,
	upload_id       TEXT NOT NULL,
	actor           TEXT NOT NULL,
	at              INTEGER NOT NULL,
	before          TEXT,
	after           TEXT NOT NULL
) STRICT;

CREATE INDEX history_organization ON history (organization_id, id);
CREATE INDEX history_upload ON history (upload_id, id);
CREATE INDEX history_site ON history (site_id, id);
