-- pgbench script for scripts/bench: every site within 2 km of a random point of bench_points
-- (ST_DWithin on geography, GiST index sites_geog). pgbench -D npoints=N.
\set i random(1, :npoints)
SELECT id FROM sites WHERE ST_DWithin(geog, (SELECT g FROM bench_points WHERE i = :i), 2000);
