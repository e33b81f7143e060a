package postgis

import (
	"context"
	"flag"
	"fmt"
	"testing"

	"github.com/aidmap/aidmap/store"
	"github.com/aidmap/aidmap/store/storetest"
)

var eachSites = flag.Int("postgis.each-sites", 100_000, "sites BenchmarkEachSite streams (1000000 for the 1M-site hydration figure)")

// BenchmarkUpsert writes one batch of 10,000 or 100,000 sites: all new, all changed, or all
// unchanged (storetest.BenchUpsert).
func BenchmarkUpsert(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		b.Run(fmt.Sprintf("%dk", n/1000), func(b *testing.B) {
			storetest.BenchUpsert(b, func(b *testing.B) store.Store { return openStore(b) }, n)
		})
	}
}

// BenchmarkEachSite streams every site of a store, as a replica does when it starts
// (-postgis.each-sites sets how many; storetest.BenchEachSite), on a table vacuumed and
// analysed after the load.
func BenchmarkEachSite(b *testing.B) {
	s := openStore(b)
	storetest.BenchEachSite(b, s, *eachSites, func() {
		if _, err := s.pool.Exec(context.Background(), `VACUUM ANALYZE sites`); err != nil {
			b.Fatal(err)
		}
	})
}
