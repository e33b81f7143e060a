-- Organisations, sites and the store version that numbers the change feed.
--
-- Tables are created unqualified: they land in the store's schema, the first on the search_path
-- (see WithSchema). PostGIS must already be installed in the database (Migrate does that first).
-- IDs are COLLATE "C" so ORDER BY id is byte order, the same as Go's string order and SQLite's.

CREATE TABLE organizations (
	id         text COLLATE "C" PRIMARY KEY,
	name       text NOT NULL,
	website    text NOT NULL DEFAULT '',
	demo       boolean NOT NULL DEFAULT false,
	created_at timestamptz NOT NULL
);

-- One row per site: the fields queries search and sort on as columns, the rest of the site in
-- doc: the domain's binary form of a site without the column fields (aidmap.Site.AppendBinary,
-- see appendDoc in sites.go). It replaced JSON text because decoding JSON was 86% of the time a
-- replica took to load its index; aidmap never queries inside doc. categories is a column so
-- SQL can filter on it (doc does not repeat it). lat/lon keep the exact float64 degrees the
-- site was written with; geog is derived from them (ST_MakePoint takes lon first) for spatial
-- queries. hash is a SHA-256 of the site's content (everything but updated_at) so an unchanged
-- re-upload is found without reading doc. version is the store version of the site's latest
-- change: the change feed is "WHERE version > $1 ORDER BY version".
-- organization_id has no foreign key: UpsertSites checks the organisation in the same
-- transaction and organisations are never deleted, while a per-row RI check costs a fifth of a
-- bulk load.
CREATE TABLE sites (
	id              text COLLATE "C" PRIMARY KEY,
	organization_id text COLLATE "C" NOT NULL,
	external_id     text NOT NULL,
	name            text NOT NULL,
	lat             double precision NOT NULL, -- WGS84 degrees
	lon             double precision NOT NULL, -- WGS84 degrees
	geog            geography(Point, 4326) NOT NULL
		GENERATED ALWAYS AS (geography(ST_SetSRID(ST_MakePoint(lon, lat), 4326))) STORED,
	categories      text[] NOT NULL,           -- category slugs, in the site's order
	status          text NOT NULL,
	confidential    boolean NOT NULL,
	updated_at      timestamptz,               -- NULL where the domain has a zero time
	verified_at     timestamptz,
	version         bigint NOT NULL,
	hash            bytea NOT NULL,
	doc             bytea NOT NULL
);

-- No unique (organization_id, external_id): id is derived from exactly that pair, so the
-- primary key already enforces it; this index serves per-organisation queries.
CREATE INDEX sites_organization ON sites (organization_id);
CREATE INDEX sites_geog ON sites USING gist (geog);
CREATE UNIQUE INDEX sites_version ON sites (version);

-- The version of the latest change, 0 for an empty store: one row, updated by every write
-- transaction while it holds the writer lock (see UpsertSites), so versions are handed out in
-- commit order.
CREATE TABLE store_version (
	only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
	version  bigint NOT NULL
);

INSERT INTO store_version (version) VALUES (0);
