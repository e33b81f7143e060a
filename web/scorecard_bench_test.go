package web

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/demo"
	"github.com/aidmap/aidmap/store"
	"github.com/aidmap/aidmap/store/sqlite"
)

// BenchmarkScorecard makes the scorecard of an organisation of 100k sites: "store" is what a
// request that finds no kept card pays (computeScorecards: one pass over the SQLite store's
// sites, decoding each, plus the open reports), "tally" the counting alone over sites in
// memory (aidmap.Scorecard.Add).
//
//	go test ./web -run '^$' -bench Scorecard -benchtime 5x
func BenchmarkScorecard(b *testing.B) {
	const n = 100_000
	sites := demo.World(n, 1)
	now := time.Now()
	for i := range sites {
		// Half verified within the 90 days, a tenth with a capacity.
		if i%2 == 0 {
			sites[i].VerifiedAt, sites[i].VerifiedBy = now.Add(-time.Duration(i%80)*24*time.Hour).UTC().Truncate(time.Microsecond), "bench"
		}
		if i%10 == 0 {
			sites[i].Capacity = []aidmap.Capacity{{Unit: "beds", Available: 3, Maximum: 20, Updated: now.Add(-time.Hour).UTC().Truncate(time.Microsecond)}}
		}
	}
	b.Run("tally", func(b *testing.B) {
		for b.Loop() {
			c := aidmap.Scorecard{OrganizationID: demo.BenchOrganizationID}
			for i := range sites {
				c.Add(&sites[i], now, 12*time.Hour)
			}
			if c.Sites != n {
				b.Fatal(c.Sites)
			}
		}
	})
	b.Run("store", func(b *testing.B) {
		ctx := context.Background()
		st, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "aidmap.db"))
		if err != nil {
			b.Fatal(err)
		}
		defer st.Close()
		org := aidmap.Organization{ID: demo.BenchOrganizationID, Name: "Bench"}
		up, err := st.BeginUpload(ctx, org.ID, store.UploadOptions{Organization: &org})
		if err != nil {
			b.Fatal(err)
		}
		for i := 0; i < n; i += 5000 {
			if err := up.Add(ctx, sites[i:i+5000]); err != nil {
				b.Fatal(err)
			}
		}
		if _, err := up.Commit(ctx); err != nil {
			b.Fatal(err)
		}
		for i := 0; i < 100; i++ {
			if err := st.AddReport(ctx, store.Report{ID: store.NewID("rep_"), OrganizationID: org.ID, SiteID: sites[i].ID, Kind: "other", CreatedAt: now}); err != nil {
				b.Fatal(err)
			}
		}
		b.ResetTimer()
		for b.Loop() {
			cards, _, err := computeScorecards(ctx, st, st, now, 12*time.Hour)
			if err != nil || len(cards) != 1 || cards[0].Sites != n || *cards[0].OpenReports != 100 {
				b.Fatalf("%+v %v", cards, err)
			}
		}
	})
}
