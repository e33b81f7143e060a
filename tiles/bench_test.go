package tiles

import (
	"compress/gzip"
	"sync"
	"testing"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/demo"
	"github.com/aidmap/aidmap/geo"
)

const benchN = 1_000_000

var world = geo.BBox{MinLon: -180, MinLat: -90, MaxLon: 180, MaxLat: 90}

var bench struct {
	once sync.Once
	ix   *geo.Index
	hot  map[int][2]int // by zoom, the tile holding the most sites
	hotN map[int]int    // and how many it holds
}

// benchZooms are the zooms whose densest tiles the benchmarks render.
var benchZooms = []int{0, 4, 10, 12, 14}

// benchData builds the 1M-site world of geo's benchmarks and finds the densest tile of each
// benchmarked zoom: the worst case a client can ask for.
func benchData(tb testing.TB) {
	tb.Helper()
	bench.once.Do(func() {
		// The sites are dropped once indexed: a million live aidmap.Site values would make
		// every garbage collection scan them, which a server holding only the index never does.
		bench.ix = geo.NewIndex(demo.World(benchN, 1), 1)
		bench.hot, bench.hotN = map[int][2]int{}, map[int]int{}
		for _, z := range benchZooms {
			counts := map[[2]int]int{}
			bench.ix.VisitBBox(world, geo.Filter{}, func(h geo.Hit) {
				lat, lon := h.Point()
				if x, y, ok := tileOf(lat, lon, z); ok {
					k := [2]int{x, y}
					counts[k]++
					if counts[k] > bench.hotN[z] {
						bench.hotN[z], bench.hot[z] = counts[k], k
					}
				}
			})
		}
	})
	if b, ok := tb.(*testing.B); ok {
		b.ResetTimer()
	}
}

// hotTile returns the densest tile of zoom z (one of benchZooms).
func hotTile(z int) (x, y int) { return bench.hot[z][0], bench.hot[z][1] }

func benchmarkTile(b *testing.B, z int, f geo.Filter) {
	benchData(b)
	x, y := hotTile(z)
	var buf []byte
	var err error
	for b.Loop() {
		buf, err = Render(buf[:0], bench.ix, z, x, y, f)
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(buf)), "bytes/tile")
	b.ReportMetric(float64(len(decode(b, buf))), "features")
	if f.Categories == 0 {
		b.ReportMetric(float64(bench.hotN[z]), "sites")
	}
}

func BenchmarkTileZ0(b *testing.B)  { benchmarkTile(b, 0, geo.Filter{}) }
func BenchmarkTileZ4(b *testing.B)  { benchmarkTile(b, 4, geo.Filter{}) }
func BenchmarkTileZ10(b *testing.B) { benchmarkTile(b, 10, geo.Filter{}) }
func BenchmarkTileZ12(b *testing.B) { benchmarkTile(b, 12, geo.Filter{}) }
func BenchmarkTileZ14(b *testing.B) { benchmarkTile(b, 14, geo.Filter{}) }
func BenchmarkTileZ14Filtered(b *testing.B) {
	benchmarkTile(b, 14, geo.Filter{Categories: aidmap.NewCategorySet(aidmap.CategoryFoodBank)})
}

// TestTileSizeBound renders every non-empty tile of zooms 0-4 of the 1M-site world and checks
// each stays under 500 KB uncompressed.
func TestTileSizeBound(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a 1M-site index")
	}
	benchData(t)
	const limit = 500 << 10
	for z := 0; z <= 4; z++ {
		seen := map[[2]int]bool{}
		largest := 0
		bench.ix.VisitBBox(world, geo.Filter{}, func(h geo.Hit) {
			lat, lon := h.Point()
			if x, y, ok := tileOf(lat, lon, z); ok {
				seen[[2]int{x, y}] = true
			}
		})
		for xy := range seen {
			x, y := xy[0], xy[1]
			b, err := Render(nil, bench.ix, z, x, y, geo.Filter{})
			if err != nil {
				t.Fatal(err)
			}
			largest = max(largest, len(b))
			if len(b) > limit {
				t.Errorf("tile %d/%d/%d is %d bytes, want at most %d", z, x, y, len(b), limit)
			}
		}
		t.Logf("z%d: %d tiles, largest %d bytes", z, len(seen), largest)
	}
}

// BenchmarkTileZ14Gzipped is an uncached z14 tile as the server sends it: rendered and
// gzipped with a pooled writer (orb's helper built a new writer per tile: 1.06 ms).
func BenchmarkTileZ14Gzipped(b *testing.B) {
	benchData(b)
	x, y := hotTile(14)
	var raw, gz []byte
	for b.Loop() {
		raw, _ = Render(raw[:0], bench.ix, 14, x, y, geo.Filter{})
		gz = Gzip(gz[:0], raw, gzip.BestSpeed)
	}
	b.ReportMetric(float64(len(gz)), "gzip-bytes/tile")
}
