-- API tokens, uploads made over HTTP and the history of every change made with a token.

-- Only the SHA-256 of a token's secret is kept: a copy of the database gives no usable token.
-- organization_id is '' for a deployment-wide admin.
CREATE TABLE tokens (
	id              text COLLATE "C" PRIMARY KEY,
	organization_id text COLLATE "C" NOT NULL,
	role            text NOT NULL CHECK (role IN ('editor', 'admin')),
	hash            bytea NOT NULL UNIQUE,
	created_at      timestamptz NOT NULL,
	expires_at      timestamptz,
	revoked_at      timestamptz
);

CREATE INDEX tokens_organization ON tokens (organization_id, created_at);

-- One row per upload (and rollback and site edit); report is the ingest report's JSON, kept as
-- text so it comes back byte for byte.
CREATE TABLE uploads (
	id              text COLLATE "C" PRIMARY KEY,
	organization_id text COLLATE "C" NOT NULL,
	token_id        text NOT NULL,
	status          text NOT NULL,
	mode            text NOT NULL,
	dry_run         boolean NOT NULL,
	filename        text NOT NULL DEFAULT '',
	rollback_of     text NOT NULL DEFAULT '',
	created_at      timestamptz NOT NULL,
	started_at      timestamptz,
	finished_at     timestamptz,
	created         integer NOT NULL DEFAULT 0,
	updated         integer NOT NULL DEFAULT 0,
	unchanged       integer NOT NULL DEFAULT 0,
	retired         integer NOT NULL DEFAULT 0,
	rejected        integer NOT NULL DEFAULT 0,
	error           text NOT NULL DEFAULT '',
	report          text
);

CREATE INDEX uploads_organization ON uploads (organization_id, created_at);

-- One row per site changed by an upload opened with an actor, written in the upload's own
-- transaction. before is NULL for a created site; both are aidmap.Site's JSON, as text.
CREATE TABLE history (
	id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	organization_id text COLLATE "C" NOT NULL,
	site_id         text COLLATE "C" NOT NULL,
	upload_id       text COLLATE "C" NOT NULL,
	actor           text NOT NULL,
	at              timestamptz NOT NULL,
	before          text,
	after           text NOT NULL
);

CREATE INDEX history_organization ON history (organization_id, id);
CREATE INDEX history_upload ON history (upload_id, id);
CREATE INDEX history_site ON history (site_id, id);
