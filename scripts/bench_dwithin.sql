-- pgbench script for scripts/bench: the first page of 100 sites within 2 km of a random point
-- of bench_points, nearest first (ST_DWithin on geography with the GiST index
-- bench_sites_geog, then KNN order), the question aidmap's radius2km query asks.
-- pgbench -D npoints=N.
\set i random(1, :npoints)
SELECT id FROM bench_sites WHERE ST_DWithin(geog, (SELECT g FROM bench_points WHERE i = :i), 2000)
ORDER BY geog <-> (SELECT g FROM bench_points WHERE i = :i) LIMIT 100;
