-- pgbench script for scripts/bench: the 10 sites nearest to a random point of bench_points,
-- PostGIS KNN on geography (GiST index bench_sites_geog, built after the load), returning the
-- three columns an id-and-distance API would: id, name and the distance in metres.
-- pgbench -D npoints=N.
\set i random(1, :npoints)
SELECT id, name, ST_Distance(geog, (SELECT g FROM bench_points WHERE i = :i), false) AS distance_m
FROM bench_sites ORDER BY geog <-> (SELECT g FROM bench_points WHERE i = :i) LIMIT 10;
