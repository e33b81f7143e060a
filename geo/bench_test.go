package geo

import (
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
	"testing"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/demo"
)

const benchN = 1_000_000

var bench struct {
	once    sync.Once
	sites   []aidmap.Site
	ix      *Index
	queries [][2]float64
}

// benchData builds the 1M-site world, its index and realistic query points (near sites, about
// 1 km off) once per process.
func benchData(b *testing.B) {
	b.Helper()
	bench.once.Do(func() {
		bench.sites = demo.World(benchN, 1)
		bench.ix = NewIndex(bench.sites, 1)
		r := rand.New(rand.NewPCG(5, 6))
		for range 1 << 14 {
			s := &bench.sites[r.IntN(len(bench.sites))]
			lat := math.Max(-90, math.Min(90, s.Lat+r.NormFloat64()*0.01))
			lon := s.Lon + r.NormFloat64()*0.01
			if lon > 180 {
				lon -= 360
			} else if lon < -180 {
				lon += 360
			}
			bench.queries = append(bench.queries, [2]float64{lat, lon})
		}
	})
	b.ResetTimer()
}

func BenchmarkNearest10(b *testing.B) {
	benchData(b)
	dst := make([]Hit, 0, 64)
	i := 0
	for b.Loop() {
		q := bench.queries[i%len(bench.queries)]
		dst = bench.ix.AppendNearest(dst[:0], q[0], q[1], 10, Filter{})
		i++
	}
}

func BenchmarkNearest10Alloc(b *testing.B) {
	benchData(b)
	i := 0
	for b.Loop() {
		q := bench.queries[i%len(bench.queries)]
		_ = bench.ix.Nearest(q[0], q[1], 10, Filter{})
		i++
	}
}

func BenchmarkNearest10Filtered(b *testing.B) {
	benchData(b)
	f := Filter{Categories: aidmap.NewCategorySet(aidmap.CategoryLegalAid)} // about 3% of sites
	dst := make([]Hit, 0, 64)
	i := 0
	for b.Loop() {
		q := bench.queries[i%len(bench.queries)]
		dst = bench.ix.AppendNearest(dst[:0], q[0], q[1], 10, f)
		i++
	}
}

func BenchmarkNearest1000(b *testing.B) {
	benchData(b)
	dst := make([]Hit, 0, 2048)
	i := 0
	for b.Loop() {
		q := bench.queries[i%len(bench.queries)]
		dst = bench.ix.AppendNearest(dst[:0], q[0], q[1], 1000, Filter{})
		i++
	}
}

func BenchmarkWithin2km(b *testing.B) {
	benchData(b)
	dst := make([]Hit, 0, 4096)
	i, total := 0, 0
	for b.Loop() {
		q := bench.queries[i%len(bench.queries)]
		dst = bench.ix.AppendWithin(dst[:0], q[0], q[1], 2000, Filter{})
		total += len(dst)
		i++
	}
	b.ReportMetric(float64(total)/float64(i), "hits/op")
}

func BenchmarkInBBox(b *testing.B) {
	benchData(b)
	dst := make([]Hit, 0, 4096)
	i, total := 0, 0
	for b.Loop() {
		q := bench.queries[i%len(bench.queries)]
		// About 2 km by 2 km at mid latitudes.
		dst = bench.ix.AppendInBBox(dst[:0], BBox{q[1] - 0.013, q[0] - 0.009, q[1] + 0.013, q[0] + 0.009}, Filter{})
		total += len(dst)
		i++
	}
	b.ReportMetric(float64(total)/float64(i), "hits/op")
}

func BenchmarkBuild(b *testing.B) {
	benchData(b)
	for b.Loop() {
		NewIndex(bench.sites, 1)
	}
}

// BenchmarkApply100 measures one small upload applied to the 1M index.
func BenchmarkApply100(b *testing.B) {
	benchData(b)
	changed := make([]aidmap.Site, 100)
	copy(changed, bench.sites[:100])
	for i := range changed {
		changed[i].Lat += 0.001
	}
	for b.Loop() {
		bench.ix.Apply(changed, 2)
	}
}

// BenchmarkMemory reports the heap the index of 1M sites holds: all of it (bytes/site, the
// site records included), the records alone (record-bytes/site, arena chunks) and the rest
// (index-bytes/site: points, IDs, lookups, nodes).
func BenchmarkMemory(b *testing.B) {
	benchData(b)
	var ix *Index
	var before, after runtime.MemStats
	for b.Loop() {
		ix = nil
		runtime.GC()
		runtime.ReadMemStats(&before)
		ix = NewIndex(bench.sites, 1)
		runtime.GC()
		runtime.ReadMemStats(&after)
	}
	total := float64(after.HeapAlloc - before.HeapAlloc)
	records := float64(ix.base.recs.bytes())
	b.ReportMetric(total/benchN, "bytes/site")
	b.ReportMetric(records/benchN, "record-bytes/site")
	b.ReportMetric((total-records)/benchN, "index-bytes/site")
	b.ReportMetric(total/(1<<20), "MB")
	runtime.KeepAlive(ix)
}

// BenchmarkBuildTree measures the search structure alone: the tree over sites already staged
// (records encoded), which BenchmarkBuild includes.
func BenchmarkBuildTree(b *testing.B) {
	benchData(b)
	st := newStaged(len(bench.sites))
	for i := range bench.sites {
		id, _ := parseID(bench.sites[i].ID)
		st.add(&bench.sites[i], id)
	}
	b.ResetTimer()
	for b.Loop() {
		buildTree(st)
	}
}

var rareBench struct {
	once sync.Once
	ix   *Index
}

// BenchmarkNearest10Rare is nearest-10 on 1M sites with a filter that about 0.1% of them
// match, exactly: a language (which the index prunes by, as it does categories), and the
// same sites picked by a Match predicate alone (which decodes each candidate it checks:
// the cost of a filter the index has no bits for, such as text).
func BenchmarkNearest10Rare(b *testing.B) {
	benchData(b)
	rareBench.once.Do(func() {
		sites := slices.Clone(bench.sites)
		for i := 0; i < len(sites); i += 1000 {
			sites[i].Languages = []string{"pa"}
		}
		rareBench.ix = NewIndex(sites, 1)
	})
	for _, tc := range []struct {
		name string
		f    Filter
	}{
		{"language", Filter{Languages: []string{"pa"}}},
		{"match", Filter{Match: func(h Hit) bool {
			var s aidmap.Site
			h.DecodeSite(&s)
			return len(s.Languages) == 1 && s.Languages[0] == "pa"
		}}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			dst := make([]Hit, 0, 64)
			i := 0
			for b.Loop() {
				q := bench.queries[i%len(bench.queries)]
				dst = rareBench.ix.AppendNearest(dst[:0], q[0], q[1], 10, tc.f)
				if len(dst) != 10 {
					b.Fatalf("got %d hits, want 10", len(dst))
				}
				i++
			}
		})
	}
}
