-- The embedded geocoder's address points and the geocode cache.

-- Address points in blocks: each row holds up to 1024 consecutive points of one source, encoded
-- by store.AppendAddressBlock (coordinates bit for bit, texts with repeats stored once). A
-- million points are about a thousand rows, so an import is a few large writes and loading
-- them back is decoding in Go, not a driver round per point. seq numbers a source's blocks
-- from 0 in the order the import yielded them.
CREATE TABLE address_blocks (
	source TEXT NOT NULL,
	seq    INTEGER NOT NULL,
	points INTEGER NOT NULL, -- points in data
	data   BLOB NOT NULL,
	PRIMARY KEY (source, seq)
) STRICT;

-- Geocoded addresses, so a re-upload does not geocode again. key and value are opaque bytes
-- (the geocode package encodes them). updated_at (microseconds since the Unix epoch) lets an
-- operator prune old entries.
CREATE TABLE geocode_cache (
	key        BLOB PRIMARY KEY,
	value      BLOB NOT NULL,
	updated_at INTEGER NOT NULL
) STRICT;

-- 'gazetteer_version' rises with every import (ReplaceAddressPoints); 0 before the first.
INSERT INTO meta (key, value) VALUES ('gazetteer_version', 0);
