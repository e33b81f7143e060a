-- pgbench script for scripts/bench: the first page of 100 sites in a box around a random point
-- of bench_points (±0.015° longitude, ±0.01° latitude: about a phone's map at zoom 14), in ID
-- order, as aidmap's bbox query pages; bench_sites.geom with its GiST index. pgbench -D npoints=N.
\set i random(1, :npoints)
SELECT id FROM bench_sites
WHERE geom && (SELECT ST_MakeEnvelope(lon - 0.015, lat - 0.01, lon + 0.015, lat + 0.01, 4326) FROM bench_points WHERE i = :i)
ORDER BY id LIMIT 100;
