package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/store"
)

// The benchmarks both engines run, each on a store its own benchmark opens: the same work, so
// the engines' figures compare (BENCHMARKS-store.md).

// BenchUpsert writes one batch of n sites per iteration, in three subtests: all new
// ("create"), all changed ("update") and all unchanged ("unchanged"). sites/s counts the
// sites of the batch, whatever happened to them.
func BenchUpsert(b *testing.B, open func(b *testing.B) store.Store, n int) {
	ctx := context.Background()
	for _, mode := range []string{"create", "update", "unchanged"} {
		b.Run(mode, func(b *testing.B) {
			s := open(b)
			if err := s.UpsertOrganization(ctx, NewOrganization("org")); err != nil {
				b.Fatal(err)
			}
			sites := Sites("org", "s", n)
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
					batch = Sites("org", fmt.Sprintf("i%d-", i), n)
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

// BenchEachSite streams every one of n sites of s per iteration, as a replica does when it
// starts. Loading them is not timed; loaded, when not nil, runs after the load (PostGIS:
// VACUUM ANALYZE, as a database that has settled).
func BenchEachSite(b *testing.B, s store.Store, n int, loaded func()) {
	ctx := context.Background()
	if err := s.UpsertOrganization(ctx, NewOrganization("org")); err != nil {
		b.Fatal(err)
	}
	const batch = 100_000
	for lo := 0; lo < n; lo += batch {
		sites := Sites("org", fmt.Sprintf("b%d-", lo), min(batch, n-lo))
		if _, err := s.UpsertSites(ctx, "org", sites); err != nil {
			b.Fatal(err)
		}
	}
	if loaded != nil {
		loaded()
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

// BenchTokenByHash measures the look-up every authenticated request makes (store.Queries over
// the engine's store.DB).
func BenchTokenByHash(b *testing.B, a store.Accounts) {
	ctx := context.Background()
	hash := createTokens(b, a, 1)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := a.TokenByHash(ctx, hash); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchTokens measures a list of 50 tokens, read as TokenByHash reads one.
func BenchTokens(b *testing.B, a store.Accounts) {
	ctx := context.Background()
	createTokens(b, a, 50)
	b.ReportAllocs()
	for b.Loop() {
		if ts, err := a.Tokens(ctx, ""); err != nil || len(ts) != 50 {
			b.Fatal(err, len(ts))
		}
	}
}

// createTokens stores n admin tokens and returns the last one's hash.
func createTokens(b *testing.B, a store.Accounts, n int) [32]byte {
	var hash [32]byte
	for range n {
		var id string
		_, id, hash = store.NewTokenSecret()
		if err := a.CreateToken(context.Background(), store.Token{ID: id, Role: store.RoleAdmin, Hash: hash, CreatedAt: time.Now()}); err != nil {
			b.Fatal(err)
		}
	}
	return hash
}

// BenchReplaceAddressPoints imports n synthetic points as one source per iteration into the
// store open gives, replacing the previous import each time: everything but generating the
// points. blockBytes, when not nil, returns the bytes the stored blocks take, reported per
// point.
func BenchReplaceAddressPoints(b *testing.B, n int, open func(*testing.B) store.Gazetteer, blockBytes func(store.Gazetteer) (int64, error)) {
	if testing.Short() {
		b.Skip("-short")
	}
	ctx := context.Background()
	g := open(b)
	b.ReportAllocs()
	for b.Loop() {
		got, _, err := g.ReplaceAddressPoints(ctx, "synthetic", SyntheticPoints(n))
		if err != nil || got != n {
			b.Fatalf("ReplaceAddressPoints: %d, %v", got, err)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "points/s")
	if blockBytes != nil {
		size, err := blockBytes(g)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(size)/float64(n), "B/point")
	}
}

// BenchEachAddressPoint loads every one of n points back per iteration from the store open
// gives, as a server does when it builds its geocoder (importing them is not timed).
func BenchEachAddressPoint(b *testing.B, n int, open func(*testing.B) store.Gazetteer) {
	if testing.Short() {
		b.Skip("-short")
	}
	ctx := context.Background()
	g := open(b)
	if _, _, err := g.ReplaceAddressPoints(ctx, "synthetic", SyntheticPoints(n)); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		got := 0
		if _, err := g.EachAddressPoint(ctx, func(aidmap.AddressPoint) error { got++; return nil }); err != nil {
			b.Fatal(err)
		}
		if got != n {
			b.Fatalf("points: got %d, want %d", got, n)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "points/s")
}

// BenchSetCapacity is one tap of an intake desk: a site's capacity written with a new store
// version and logged, on 1,000 sites in turn.
func BenchSetCapacity(b *testing.B, s store.Store) {
	ctx := context.Background()
	if err := s.UpsertOrganization(ctx, NewOrganization("org")); err != nil {
		b.Fatal(err)
	}
	sites := Sites("org", "s", 1000)
	if _, err := s.UpsertSites(ctx, "org", sites); err != nil {
		b.Fatal(err)
	}
	cs := s.(store.Capacities)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, err := cs.SetCapacity(ctx, "org", sites[i%len(sites)].ID, aidmap.Capacity{Unit: "beds", Available: i % 20, Maximum: 20}, "bench"); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchSMSState measures what one text message costs the store: the per-number hit and the
// search kept for "more" (a webhook's two writes), on numbers that change.
func BenchSMSState(b *testing.B, s store.Store) {
	ctx := context.Background()
	st := s.(store.SMSState)
	now := time.Now()
	data := make([]byte, 60)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		key := []byte(fmt.Sprintf("key-%d", i%5000))
		if _, err := st.HitSMS(ctx, key, now, time.Minute); err != nil {
			b.Fatal(err)
		}
		if err := st.PutSMSSession(ctx, key, data, now.Add(time.Hour)); err != nil {
			b.Fatal(err)
		}
		i++
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "messages/s")
}
