package tiles

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/aidmap/aidmap/demo"
	"github.com/aidmap/aidmap/geo"
	"github.com/aidmap/aidmap/store/postgis"
)

// The comparison harness: the same 1M world sites in PostGIS, the same tiles, rendered by
// ST_AsMVT with the query Martin and pg_tileserv generate for a table of points in EPSG:4326
// (a GiST index on the geometry, ST_Transform per row, ST_TileEnvelope with a 64-unit buffer),
// and by Render. It runs only when AIDMAP_TEST_DATABASE_URL is set:
//
//	AIDMAP_TEST_DATABASE_URL=postgres://... go test -run XXX -bench PostGIS -benchtime 5x -v ./tiles
//
// Loading the sites takes about a minute; the schema aidmap_tiles_bench is kept between
// runs (and reused when it holds the million sites) unless -tiles.drop is given.

const benchSchema = "aidmap_tiles_bench"

// martinQuery is Martin's query for a point table in EPSG:4326 (pg_tileserv's differs only
// in naming); properties are those Render publishes except precision, which the table keeps
// only inside the encoded document.
const martinQuery = `SELECT ST_AsMVT(tile, 'sites', 4096, 'geom') FROM (
  SELECT id, name, array_to_string(categories, ',') AS categories, status, confidential,
         ST_AsMVTGeom(ST_Transform(geom, 3857), ST_TileEnvelope($1, $2, $3), 4096, 64, true) AS geom
  FROM ` + benchSchema + `.sites
  WHERE geom && ST_Transform(ST_TileEnvelope($1, $2, $3, margin => (64.0 / 4096)), 4326)
) AS tile`

func postgisBench(b *testing.B) *pgxpool.Pool {
	b.Helper()
	url := os.Getenv("AIDMAP_TEST_DATABASE_URL")
	if url == "" {
		b.Skip("AIDMAP_TEST_DATABASE_URL is not set")
	}
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(pool.Close)
	var n int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM `+benchSchema+`.sites`).Scan(&n); err != nil || n != benchN {
		loadPostGIS(b, pool, url)
	}
	// A geometry column with its GiST index, as a table published by Martin has.
	for _, q := range []string{
		`ALTER TABLE ` + benchSchema + `.sites ADD COLUMN IF NOT EXISTS geom geometry(Point, 4326) GENERATED ALWAYS AS (ST_SetSRID(ST_MakePoint(lon, lat), 4326)) STORED`,
		`CREATE INDEX IF NOT EXISTS sites_geom ON ` + benchSchema + `.sites USING gist (geom)`,
		`VACUUM ANALYZE ` + benchSchema + `.sites`,
	} {
		if _, err := pool.Exec(ctx, q); err != nil {
			b.Fatalf("%s: %v", q, err)
		}
	}
	return pool
}

// loadPostGIS loads the 1M sites of bench.ix into the schema through the store.
func loadPostGIS(b *testing.B, pool *pgxpool.Pool, url string) {
	ctx := context.Background()
	start := time.Now()
	if _, err := pool.Exec(ctx, `DROP SCHEMA IF EXISTS `+benchSchema+` CASCADE`); err != nil {
		b.Fatal(err)
	}
	st, err := postgis.Open(ctx, url, postgis.WithSchema(benchSchema))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	org := demo.Organization()
	org.ID, org.CreatedAt = "bench", time.Now().UTC()
	if err := st.UpsertOrganization(ctx, org); err != nil {
		b.Fatal(err)
	}
	sites := demo.World(benchN, 1) // the sites of bench.ix
	for i := 0; i < len(sites); i += 100_000 {
		if _, err := st.UpsertSites(ctx, org.ID, sites[i:min(i+100_000, len(sites))]); err != nil {
			b.Fatal(err)
		}
	}
	b.Logf("loaded %d sites into PostGIS in %s", len(sites), time.Since(start).Round(time.Second))
}

// BenchmarkPostGISCompare renders the benchmark tiles with ST_AsMVT and with Render and logs
// the ratios (run with -v to see them).
func BenchmarkPostGISCompare(b *testing.B) {
	pool := postgisBench(b)
	benchData(b)
	ctx := context.Background()
	type result struct {
		ms    float64
		bytes int
	}
	res := map[string]result{}
	zooms := []int{4, 10, 12, 14}
	for _, z := range zooms {
		x, y := hotTile(z)
		b.Run(fmt.Sprintf("z%d/postgis", z), func(b *testing.B) {
			var mvt []byte
			if err := pool.QueryRow(ctx, martinQuery, z, x, y).Scan(&mvt); err != nil { // warm the buffer cache
				b.Fatal(err)
			}
			for b.Loop() {
				if err := pool.QueryRow(ctx, martinQuery, z, x, y).Scan(&mvt); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(mvt)), "bytes/tile")
			res[fmt.Sprint(z, "pg")] = result{float64(b.Elapsed().Microseconds()) / 1000 / float64(b.N), len(mvt)}
		})
		b.Run(fmt.Sprintf("z%d/aidmap", z), func(b *testing.B) {
			buf, _ := Render(nil, bench.ix, z, x, y, geo.Filter{})
			for b.Loop() {
				buf, _ = Render(buf[:0], bench.ix, z, x, y, geo.Filter{})
			}
			b.ReportMetric(float64(len(buf)), "bytes/tile")
			res[fmt.Sprint(z, "go")] = result{float64(b.Elapsed().Microseconds()) / 1000 / float64(b.N), len(buf)}
		})
	}
	b.Logf("%-5s %-10s %12s %12s %12s %12s %8s", "zoom", "tile", "PostGIS ms", "aidmap ms", "PostGIS B", "aidmap B", "speed-up")
	for _, z := range zooms {
		x, y := hotTile(z)
		pg, ag := res[fmt.Sprint(z, "pg")], res[fmt.Sprint(z, "go")]
		if ag.ms == 0 {
			continue
		}
		b.Logf("z%-4d %-10s %12.3f %12.3f %12d %12d %7.0fx", z, fmt.Sprintf("%d/%d", x, y), pg.ms, ag.ms, pg.bytes, ag.bytes, pg.ms/ag.ms)
	}
}
