package sms

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/aidmap/aidmap/demo"
	"github.com/aidmap/aidmap/geo"
	"github.com/aidmap/aidmap/geocode"
)

// benchMessages are what people text: postal codes, towns and neighbourhoods, needs in
// several languages, open now; the full path runs for each (parse, geocode, nearest, format).
var benchMessages = []string{
	"food V6A 2K5", "shelter V5L", "shower near V6B now", "clinic Burnaby", "nourriture V5K",
	"comida Surrey ahora", "طعام V6A", "غذا Richmond", "食物 V5R", "bed Vancouver now",
	"음식 V5M", "pagkain New Westminster", "meal Toronto", "bed Paris now", "food London",
}

var worldOnce struct {
	sync.Once
	ix *geo.Index
}

func benchAnswer(b *testing.B, ix *geo.Index, parallel bool) {
	e := New(Config{Index: func() *geo.Index { return ix }, Geocoder: geocode.NewEmbedded(nil),
		Now: func() time.Time { return testNow }})
	ctx := context.Background()
	for _, m := range benchMessages { // warm the geocoder's tables and check every message answers
		if r := e.Answer(ctx, "", m); r.Segments > 2 {
			b.Fatalf("%q: %d segments", m, r.Segments)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	if parallel {
		b.RunParallel(func(pb *testing.PB) {
			i := 0
			for pb.Next() {
				e.Answer(ctx, "", benchMessages[i%len(benchMessages)])
				i++
			}
		})
	} else {
		i := 0
		for b.Loop() {
			e.Answer(ctx, "", benchMessages[i%len(benchMessages)])
			i++
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "replies/s")
}

// BenchmarkAnswer measures replies per second over the whole path, on the demo data (300
// sites around Vancouver) and on 1M sites around the world's cities (demo.World), on one
// goroutine and on every core. go test ./sms -run '^$' -bench Answer -benchmem
func BenchmarkAnswer(b *testing.B) {
	demoIx := testIndex(demo.Sites(300, 1))
	b.Run("demo300", func(b *testing.B) { benchAnswer(b, demoIx, false) })
	b.Run("demo300/parallel", func(b *testing.B) { benchAnswer(b, demoIx, true) })
	world := func(b *testing.B) *geo.Index {
		worldOnce.Do(func() {
			sites := demo.World(1_000_000, 1)
			worldOnce.ix = geo.NewIndex(demo.Publisher().PublicSites(sites), 1)
		})
		return worldOnce.ix
	}
	b.Run("world1M", func(b *testing.B) { benchAnswer(b, world(b), false) })
	b.Run("world1M/parallel", func(b *testing.B) { benchAnswer(b, world(b), true) })
}
