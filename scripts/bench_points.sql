-- psql script for scripts/bench: loads the fixed list of query points (written by
-- `go run ./scripts/benchchart points`, the same file wrk's scripts/bench_points.lua reads) into
-- bench_points, with each point's geography (and tile) computed once, so the pgbench scripts pick a point
-- with a primary-key lookup. Run as psql -f scripts/bench_points.sql <points.tsv.
SET client_min_messages = warning;
DROP TABLE IF EXISTS bench_points;
CREATE TABLE bench_points (
	i   int PRIMARY KEY,
	lat double precision NOT NULL,
	lon double precision NOT NULL,
	g   geography(Point, 4326),
	z   int, tx int, ty int -- the point's web-mercator tile at zoom 12, 13 or 14 (by i)
);
\copy bench_points (i, lat, lon) FROM pstdin
-- The same construction as sites.geog (store/postgis/migrations/0001_init.sql).
UPDATE bench_points SET g = geography(ST_SetSRID(ST_MakePoint(lon, lat), 4326));
-- The tile formula of scripts/bench_points.lua (and of every slippy-map client).
UPDATE bench_points SET z = 12 + i % 3;
UPDATE bench_points SET
	tx = floor((lon + 180) / 360 * (1 << z))::int,
	ty = floor((1 - ln(tan(radians(lat)) + 1 / cos(radians(lat))) / pi()) / 2 * (1 << z))::int;
ALTER TABLE bench_points ALTER COLUMN g SET NOT NULL;
VACUUM (ANALYZE) bench_points;
