package web

import (
	"math"
	"math/rand/v2"
	"net/url"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/aidmap/aidmap/demo"
	"github.com/aidmap/aidmap/geo"
	"github.com/aidmap/aidmap/query"
)

// searchBench is the 1M-site world of geo's benchmarks, built once per process.
var searchBench struct {
	once    sync.Once
	ix      *geo.Index
	queries [][2]float64
}

func searchBenchData(b *testing.B) {
	b.Helper()
	searchBench.once.Do(func() {
		sites := demo.World(1_000_000, 1)
		searchBench.ix = publicIndex(sites, 1)
		query.IndexText(searchBench.ix) // what the first text query starts in the background
		r := rand.New(rand.NewPCG(5, 6))
		for range 1 << 12 {
			s := &sites[r.IntN(len(sites))]
			searchBench.queries = append(searchBench.queries, [2]float64{
				math.Max(-90, math.Min(90, s.Lat+r.NormFloat64()*0.01)), s.Lon + r.NormFloat64()*0.01})
		}
	})
}

// BenchmarkSearchWithin5km is q= with one word over a 5 km radius on 1M sites, as the API runs
// it (a filter over Within's results); it reports the median and the mean sites in the circle.
func BenchmarkSearchWithin5km(b *testing.B) {
	for _, word := range []string{"food", "refuge", "shleter"} {
		b.Run(word, func(b *testing.B) {
			searchBenchData(b)
			q, _ := url.ParseQuery("q=" + word)
			sq, err := parseSiteQuery(q, time.Time{})
			if err != nil {
				b.Fatal(err)
			}
			var (
				times          []time.Duration
				inCircle, hits int
			)
			i := 0
			b.ResetTimer()
			for b.Loop() {
				p := searchBench.queries[i%len(searchBench.queries)]
				i++
				start := time.Now()
				sq.Lat, sq.Lon, sq.RadiusM = p[0], p[1], 5000
				h := query.Radius(searchBench.ix, &sq).Hits
				times = append(times, time.Since(start))
				hits += len(h)
				b.StopTimer()
				inCircle += len(searchBench.ix.Within(p[0], p[1], 5000, geo.Filter{}))
				b.StartTimer()
			}
			slices.Sort(times)
			b.ReportMetric(float64(times[len(times)/2].Nanoseconds()), "p50-ns")
			b.ReportMetric(float64(inCircle)/float64(len(times)), "sites-in-5km")
			b.ReportMetric(float64(hits)/float64(len(times)), "matches")
		})
	}
}

// BenchmarkNearestMatching is exact filtered nearest on 1M sites, as the handler runs it: a
// common word, filters the index prunes by (language) with one it cannot (free), and a word
// no site has (the worst case: the search reads query.MaxRead sites and stops).
func BenchmarkNearestMatching(b *testing.B) {
	for _, raw := range []string{"q=food", "lang=fr&free=true", "lang=pa", "q=zzzzzz"} {
		b.Run(raw, func(b *testing.B) {
			searchBenchData(b)
			q, _ := url.ParseQuery(raw)
			lp, err := parseListParams(q)
			if err != nil {
				b.Fatal(err)
			}
			i, incomplete := 0, 0
			b.ResetTimer()
			for b.Loop() {
				p := searchBench.queries[i%len(searchBench.queries)]
				i++
				lp.q.Lat, lp.q.Lon, lp.q.K = p[0], p[1], 10
				if !query.Nearest(searchBench.ix, &lp.q).Complete {
					incomplete++
				}
			}
			b.ReportMetric(float64(incomplete)/float64(i), "incomplete/op")
		})
	}
}
