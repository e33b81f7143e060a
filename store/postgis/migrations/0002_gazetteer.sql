-- The embedded geocoder's address points and the geocode cache.

-- Address points in blocks: each row holds up to 1024 consecutive points of one source, encoded
-- by store.AppendAddressBlock (coordinates bit for bit, texts with repeats stored once). A
-- million points are about a thousand rows: an import is one COPY of large values and loading
-- them back is decoding in Go, not a driver round per point. aidmap never queries single
-- points in SQL (the geocoder indexes them in memory). seq numbers a source's blocks from 0 in
-- the order the import yielded them. source is COLLATE "C" so ORDER BY source is byte order,
-- as in SQLite. data is stored uncompressed (EXTERNAL, still out of line): pglz halved the
-- blocks of a synthetic million points (44 to 22 bytes a point) but made loading them 40%
-- slower and the import 20% slower, and the geocoder loads far more often than disk is short.
CREATE TABLE address_blocks (
	source text COLLATE "C" NOT NULL,
	seq    integer NOT NULL,
	points integer NOT NULL, -- points in data
	data   bytea NOT NULL,
	PRIMARY KEY (source, seq)
);
ALTER TABLE address_blocks ALTER COLUMN data SET STORAGE EXTERNAL;

-- The version of the gazetteer: one row, advanced by every ReplaceAddressPoints while it holds
-- the gazetteer writer lock. 0 before the first import.
CREATE TABLE gazetteer_version (
	only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
	version  bigint NOT NULL
);
INSERT INTO gazetteer_version (version) VALUES (0);

-- Geocoded addresses, so a re-upload does not geocode again. key and value are opaque bytes
-- (the geocode package encodes them; keys may hold any byte, NUL included, hence bytea).
CREATE TABLE geocode_cache (
	key        bytea PRIMARY KEY,
	value      bytea NOT NULL,
	updated_at timestamptz NOT NULL DEFAULT now()
);
