-- Organisations, sites and the store version that numbers the change feed.
-- Times are INTEGER microseconds since the Unix epoch, UTC; NULL where the domain has a zero time.

CREATE TABLE organizations (
	id         TEXT PRIMARY KEY,
	name       TEXT NOT NULL,
	website    TEXT NOT NULL DEFAULT '',
	demo       INTEGER NOT NULL DEFAULT 0 CHECK (demo IN (0, 1)),
	created_at INTEGER NOT NULL
) STRICT;

-- One row per site: the fields queries search and sort on as columns, the rest of the site in
-- doc (the domain's binary form of a site without the column fields: aidmap.Site.AppendBinary,
-- see appendDoc in sqlite.go; decoding it is many times faster than JSON). hash is a digest of
-- the site's content (everything but updated_at) so an unchanged re-upload is found without
-- decoding doc. version is the store version of the site's latest change: the change feed is
-- "WHERE version > ? ORDER BY version".
CREATE TABLE sites (
	id              TEXT PRIMARY KEY,
	organization_id TEXT NOT NULL REFERENCES organizations (id),
	external_id     TEXT NOT NULL,
	name            TEXT NOT NULL,
	lat             REAL NOT NULL, -- WGS84 degrees
	lon             REAL NOT NULL, -- WGS84 degrees
	status          TEXT NOT NULL,
	confidential    INTEGER NOT NULL CHECK (confidential IN (0, 1)),
	updated_at      INTEGER,
	verified_at     INTEGER,
	version         INTEGER NOT NULL,
	hash            BLOB NOT NULL,
	doc             BLOB NOT NULL,
	UNIQUE (organization_id, external_id)
) STRICT;

CREATE UNIQUE INDEX sites_version ON sites (version);

-- Counters; 'version' is the version of the latest change, 0 for an empty store.
CREATE TABLE meta (
	key   TEXT PRIMARY KEY,
	value INTEGER NOT NULL
) STRICT;

INSERT INTO meta (key, value) VALUES ('version', 0);
