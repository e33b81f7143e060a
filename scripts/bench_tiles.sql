-- pgbench script for scripts/bench: a vector tile of the sites, by PostGIS's ST_AsMVT as a
-- Martin-style tile server would make it (the query of BENCHMARKS-tiles.md), for the tile of a
-- random point of bench_points at zoom 12, 13 or 14 (bench_points.z, .tx, .ty, the same tiles
-- scripts/bench_points.lua asks aidmap for). PostGIS puts every site of the tile in it; aidmap
-- clusters below zoom 14 and caches tiles. pgbench -D npoints=N.
\set i random(1, :npoints)
SELECT ST_AsMVT(tile, 'sites', 4096, 'geom') FROM (
	SELECT id, name, array_to_string(ARRAY(SELECT json_array_elements_text(categories)), ',') AS categories,
		status, confidential,
		ST_AsMVTGeom(ST_Transform(geom, 3857), (SELECT ST_TileEnvelope(z, tx, ty) FROM bench_points WHERE i = :i), 4096, 64, true) AS geom
	FROM bench_sites
	WHERE geom && (SELECT ST_Transform(ST_TileEnvelope(z, tx, ty, margin => (64.0 / 4096)), 4326) FROM bench_points WHERE i = :i)
) AS tile;
