-- pgbench script for scripts/bench: the fair anchor of nearest-10. PostGIS answers with the
-- same JSON document aidmap does ({"sites":[…],"count":10}, each site with the fields of
-- aidmap's answer and its distance in metres), built by json_agg from bench_sites: the public
-- fields as columns (scripts/bench_sites.sql), the table a PostGIS-backed API would serve.
-- Not computed: open_now/closes_at (aidmap evaluates opening hours per request) and
-- confidential sites' distance bands. The point is a scalar subquery (an InitPlan, evaluated
-- once), as in bench_knn.sql: joined as a table it would not drive the KNN index scan.
-- pgbench -D npoints=N.
\set i random(1, :npoints)
SELECT json_build_object('sites', coalesce(json_agg(s.j ORDER BY s.d), '[]'::json), 'count', count(*))
FROM (
	SELECT json_strip_nulls(json_build_object(
		'id', b.id, 'organization', json_build_object('id', b.org_id, 'name', b.org_name),
		'demo', CASE WHEN b.demo THEN true END, 'name', b.name, 'description', b.description,
		'categories', b.categories, 'address', b.address, 'lat', b.lat, 'lon', b.lon,
		'precision', b.precision, 'approximate', b.approximate, 'phone', b.phone,
		'website', b.website, 'email', b.email, 'hours', b.hours, 'languages', b.languages,
		'eligibility', b.eligibility, 'fees', b.fees, 'accessibility', b.accessibility,
		'confidential', b.confidential, 'status', b.status, 'updated_at', b.updated_at,
		'verified_at', b.verified_at,
		'stale', CASE WHEN b.checked_at < now() - interval '180 days' THEN true END,
		'checked_at', CASE WHEN b.checked_at < now() - interval '180 days' THEN b.checked_at END,
		'distance_m', round(ST_Distance(b.geog, (SELECT g FROM bench_points WHERE i = :i), false)::numeric, 1))) AS j,
		b.geog <-> (SELECT g FROM bench_points WHERE i = :i) AS d
	FROM bench_sites b
	ORDER BY b.geog <-> (SELECT g FROM bench_points WHERE i = :i)
	LIMIT 10
) s;
