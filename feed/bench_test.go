package feed

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/aidmap/aidmap/demo"
	"github.com/aidmap/aidmap/store"
	"github.com/aidmap/aidmap/store/postgis"
	"github.com/aidmap/aidmap/store/sqlite"
)

var loadSites = flag.Int("feed.sites", 100_000, "world demo sites BenchmarkLoad hydrates (1000000 for the issue #3 figure)")

// benchStores holds each kind of store BenchmarkLoad fills, once per process: loading a million
// sites takes longer than hydrating them, and -count repeats the benchmark function.
var benchStores struct {
	sync.Mutex
	m       map[string]store.Store
	cleanup []func()
}

func TestMain(m *testing.M) {
	code := m.Run()
	for _, f := range benchStores.cleanup {
		f()
	}
	os.Exit(code)
}

// benchStore returns a store of the given kind ("sqlite" or "postgis") holding n world demo
// sites, skipping the benchmark when PostGIS is asked for without AIDMAP_TEST_DATABASE_URL.
func benchStore(b *testing.B, kind string, n int) store.Store {
	b.Helper()
	benchStores.Lock()
	defer benchStores.Unlock()
	key := fmt.Sprint(kind, n)
	if st, ok := benchStores.m[key]; ok {
		return st
	}
	ctx := context.Background()
	var st store.Store
	switch kind {
	case "sqlite":
		dir, err := os.MkdirTemp("", "aidmap-feed-bench-")
		if err != nil {
			b.Fatal(err)
		}
		s, err := sqlite.Open(ctx, filepath.Join(dir, "aidmap.db"))
		if err != nil {
			b.Fatal(err)
		}
		benchStores.cleanup = append(benchStores.cleanup, func() { s.Close(); os.RemoveAll(dir) })
		st = s
	case "postgis":
		url := os.Getenv("AIDMAP_TEST_DATABASE_URL")
		if url == "" {
			b.Skip("AIDMAP_TEST_DATABASE_URL is not set (scripts/test starts a cluster)")
		}
		schema := fmt.Sprintf("feed_bench_%d_%d", os.Getpid(), n)
		s, err := postgis.Open(ctx, url, postgis.WithSchema(schema))
		if err != nil {
			b.Fatal(err)
		}
		benchStores.cleanup = append(benchStores.cleanup, func() {
			s.Close()
			if c, err := pgx.Connect(ctx, url); err == nil {
				c.Exec(ctx, `DROP SCHEMA IF EXISTS `+pgx.Identifier{schema}.Sanitize()+` CASCADE`)
				c.Close(ctx)
			}
		})
		st = s
	}
	sites := demo.World(n, 1)
	org := demo.Organization()
	org.ID = sites[0].OrganizationID
	if err := st.UpsertOrganization(ctx, org); err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	const batch = 100_000
	for lo := 0; lo < n; lo += batch {
		if _, err := st.UpsertSites(ctx, org.ID, sites[lo:min(lo+batch, n)]); err != nil {
			b.Fatal(err)
		}
	}
	b.Logf("%s: loaded %d sites in %v", kind, n, time.Since(start).Round(time.Millisecond))
	if benchStores.m == nil {
		benchStores.m = map[string]store.Store{}
	}
	benchStores.m[key] = st
	return st
}

// BenchmarkLoad hydrates a replica's index from a store (Follower.Load: every site through
// EachSite into geo.Builder, then Build), as a replica does when it starts. -feed.sites sets
// how many world demo sites; filling the store is not timed and happens once per process.
func BenchmarkLoad(b *testing.B) {
	for _, kind := range []string{"sqlite", "postgis"} {
		b.Run(kind, func(b *testing.B) {
			n := *loadSites
			st := benchStore(b, kind, n)
			ctx := context.Background()
			for b.Loop() {
				f := New(st, demo.Publisher(), nil, time.Hour)
				if err := f.Load(ctx); err != nil {
					b.Fatal(err)
				}
				if got := f.Index().Len(); got != n {
					b.Fatalf("index: got %d sites, want %d", got, n)
				}
			}
			b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/load")
		})
	}
}
