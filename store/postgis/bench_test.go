package postgis

import (
	"context"
	"flag"
	"fmt"
	"testing"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/store/storetest"
)

var eachSites = flag.Int("postgis.each-sites", 100_000, "sites BenchmarkEachSite streams (1000000 for the 1M-site hydration figure)")

// BenchmarkUpsert writes one batch of 10,000 or 100,000 sites: all new, all changed, or all
// unchanged. sites/s counts the sites of the batch, whatever happened to them.
func BenchmarkUpsert(b *testing.B) {
	ctx := context.Background()
	for _, n := range []int{10_000, 100_000} {
		for _, mode := range []string{"create", "update", "unchanged"} {
			b.Run(fmt.Sprintf("%dk/%s", n/1000, mode), func(b *testing.B) {
				s := openStore(b)
				if err := s.UpsertOrganization(ctx, storetest.NewOrganization("org")); err != nil {
					b.Fatal(err)
				}
				sites := storetest.Sites("org", "s", n)
				if mode != "create" {
					if _, err := s.UpsertSites(ctx, "org", sites); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportAllocs()
				i := 0
				for b.Loop() {
					batch := sites
					switch mode {
					case "create":
						b.StopTimer()
						batch = storetest.Sites("org", fmt.Sprintf("i%d-", i), n)
						b.StartTimer()
					case "update":
						for j := range batch {
							batch[j].Name = fmt.Sprintf("Site %d v%d", j, i)
						}
					}
					res, err := s.UpsertSites(ctx, "org", batch)
					if err != nil {
						b.Fatal(err)
					}
					if mode == "unchanged" && len(res.Unchanged) != len(batch) {
						b.Fatalf("unchanged: got %d, want %d", len(res.Unchanged), len(batch))
					}
					i++
				}
				b.ReportMetric(float64(n*i)/b.Elapsed().Seconds(), "sites/s")
			})
		}
	}
}

// BenchmarkEachSite streams every site of a store, as a replica does when it starts
// (-postgis.each-sites sets how many; loading them is not timed).
func BenchmarkEachSite(b *testing.B) {
	ctx := context.Background()
	s := openStore(b)
	if err := s.UpsertOrganization(ctx, storetest.NewOrganization("org")); err != nil {
		b.Fatal(err)
	}
	n := *eachSites
	const batch = 100_000
	for lo := 0; lo < n; lo += batch {
		sites := storetest.Sites("org", fmt.Sprintf("b%d-", lo), min(batch, n-lo))
		if _, err := s.UpsertSites(ctx, "org", sites); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := s.pool.Exec(ctx, `VACUUM ANALYZE sites`); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		count := 0
		if _, err := s.EachSite(ctx, func(aidmap.Site) error { count++; return nil }); err != nil {
			b.Fatal(err)
		}
		if count != n {
			b.Fatalf("sites: got %d, want %d", count, n)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "sites/s")
}
