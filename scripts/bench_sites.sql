-- psql script for scripts/bench: bench_sites, aidmap's public form of every site (the NDJSON of
-- GET /api/v1/sites?format=ndjson, read from standard input) with its fields as columns, plus
-- geography and geometry points with GiST indexes: what a PostGIS-backed API would serve the
-- same answers from. The json anchor (bench_knn_json.sql), the bbox page and the tiles query it.
-- Run as psql -f scripts/bench_sites.sql <sites.ndjson.
SET client_min_messages = warning;
DROP TABLE IF EXISTS bench_docs, bench_sites;
CREATE UNLOGGED TABLE bench_docs (doc jsonb NOT NULL);
-- CSV with quote and delimiter bytes that JSON never holds: each line is read as it is.
\copy bench_docs (doc) FROM pstdin WITH (FORMAT csv, QUOTE e'\x01', DELIMITER e'\x02')
CREATE TABLE bench_sites AS SELECT
	(doc->>'id') COLLATE "C" AS id,
	doc->'organization'->>'id' AS org_id,
	doc->'organization'->>'name' AS org_name,
	coalesce((doc->>'demo')::boolean, false) AS demo,
	doc->>'name' AS name,
	doc->>'description' AS description,
	(doc->'categories')::json AS categories,
	(doc->'address')::json AS address,
	(doc->>'lat')::double precision AS lat,
	(doc->>'lon')::double precision AS lon,
	doc->>'precision' AS precision,
	(doc->>'approximate')::boolean AS approximate,
	doc->>'phone' AS phone,
	doc->>'website' AS website,
	doc->>'email' AS email,
	(doc->'hours')::json AS hours,
	(doc->'languages')::json AS languages,
	doc->>'eligibility' AS eligibility,
	doc->>'fees' AS fees,
	doc->>'accessibility' AS accessibility,
	(doc->>'confidential')::boolean AS confidential,
	doc->>'status' AS status,
	(doc->>'updated_at')::timestamptz AS updated_at,
	(doc->>'verified_at')::timestamptz AS verified_at,
	coalesce((doc->>'verified_at')::timestamptz, (doc->>'updated_at')::timestamptz) AS checked_at,
	geography(ST_SetSRID(ST_MakePoint((doc->>'lon')::double precision, (doc->>'lat')::double precision), 4326)) AS geog,
	ST_SetSRID(ST_MakePoint((doc->>'lon')::double precision, (doc->>'lat')::double precision), 4326) AS geom
FROM bench_docs;
DROP TABLE bench_docs;
ALTER TABLE bench_sites ADD PRIMARY KEY (id);
CREATE INDEX bench_sites_geog ON bench_sites USING gist (geog);
CREATE INDEX bench_sites_geom ON bench_sites USING gist (geom);
VACUUM (ANALYZE) bench_sites;
