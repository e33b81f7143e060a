package feed

import (
	"context"
	"testing"
	"time"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/store"
)

// BenchmarkCapacityTap is one tap of an intake desk on an index of -feed.sites sites: the
// store writes the site's capacity with a new version (store.Capacities.SetCapacity), and the
// follower applies that one change to its index (Sync: a patch of the snapshot, not a
// rebuild). sync-ms/op is the follower's part alone.
func BenchmarkCapacityTap(b *testing.B) {
	for _, kind := range []string{"sqlite", "postgis"} {
		b.Run(kind, func(b *testing.B) {
			st := benchStore(b, kind, *loadSites)
			cs := st.(store.Capacities)
			ctx := context.Background()
			f := New(st, nil, nil, time.Hour)
			if err := f.Load(ctx); err != nil {
				b.Fatal(err)
			}
			var ids, orgs []string // public sites: without a publisher the index leaves confidential ones out
			if _, err := st.EachSite(ctx, func(s aidmap.Site) error {
				if len(ids) < 1000 && !s.Confidential && s.Visible() {
					ids, orgs = append(ids, s.ID), append(orgs, s.OrganizationID)
				}
				return nil
			}); err != nil {
				b.Fatal(err)
			}
			var syncing time.Duration
			i := 0
			for b.Loop() {
				id, org := ids[i%len(ids)], orgs[i%len(ids)]
				i++
				if _, err := cs.SetCapacity(ctx, org, id, aidmap.Capacity{Unit: "beds", Available: i % 20, Maximum: 20}, "bench"); err != nil {
					b.Fatal(err)
				}
				start := time.Now()
				n, err := f.Sync(ctx)
				if err != nil || n != 1 {
					b.Fatalf("Sync: %d changes, %v", n, err)
				}
				syncing += time.Since(start)
			}
			b.ReportMetric(float64(syncing.Microseconds())/1000/float64(b.N), "sync-ms/op")
		})
	}
}
