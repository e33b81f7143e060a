-- pgbench script for scripts/bench: the 10 sites nearest to a random point of bench_points,
-- PostGIS KNN on geography (metres on the sphere, GiST index sites_geog). pgbench -D npoints=N.
\set i random(1, :npoints)
SELECT id FROM sites ORDER BY geog <-> (SELECT g FROM bench_points WHERE i = :i) LIMIT 10;
