package query

import (
	"math"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/aidmap/aidmap/demo"
	"github.com/aidmap/aidmap/geo"
)

// rareBench is the 1M-site world of geo's benchmarks with every 1000th site (0.1%) speaking
// Punjabi, free, wheelchair accessible and with "quillwort" in its name, built once per
// process.
var rareBench struct {
	once    sync.Once
	ix      *geo.Index
	queries [][2]float64
}

func rareBenchData(b *testing.B) {
	b.Helper()
	rareBench.once.Do(func() {
		sites := demo.World(1_000_000, 1)
		for i := 0; i < len(sites); i += 1000 {
			s := &sites[i]
			s.Languages, s.Fees, s.Name = []string{"pa"}, "Free", "Quillwort "+s.Name
			s.Accessibility = "Wheelchair accessible entrance"
		}
		rareBench.ix = geo.NewIndex(demo.Publisher().PublicSites(sites), 1)
		IndexText(rareBench.ix) // what the first text query starts in the background
		r := rand.New(rand.NewPCG(5, 6))
		for range 1 << 12 {
			s := &sites[r.IntN(len(sites))]
			rareBench.queries = append(rareBench.queries, [2]float64{
				math.Max(-90, math.Min(90, s.Lat+r.NormFloat64()*0.01)), s.Lon + r.NormFloat64()*0.01})
		}
	})
}

// BenchmarkNearest10Rare is exact nearest-10 on 1M sites with a filter that 0.1% of them
// match, through Nearest: a language (the index prunes by its bits, as by categories), the
// same sites by free and by wheelchair (the index prunes by a bit for a word that can make
// them so; Match decides each site that has it), combinations, and by a text word (with
// relevance ranking; the text index gives its 1,000 sites). Then text at the extremes: a word
// no site has, a common word (Market Street, ~7% of sites), and a word of a category (food:
// every food bank matches it, so the best-first search runs). It fails unless every answer
// has its 10 sites (none for the word no site has) and is complete; incomplete/op would count
// answers cut at MaxRead.
func BenchmarkNearest10Rare(b *testing.B) {
	for _, tc := range []struct {
		name string
		q    Query
		want int
	}{
		{"language", Query{Languages: []string{"pa"}}, 10},
		{"free", Query{Free: true}, 10},
		{"wheelchair", Query{Wheelchair: true}, 10},
		{"language+free", Query{Languages: []string{"pa"}, Free: true}, 10},
		{"free+wheelchair", Query{Free: true, Wheelchair: true}, 10},
		{"text", Query{Text: "quillwort"}, 10},
		{"text-none", Query{Text: "zzzzzz"}, 0},
		{"text-common", Query{Text: "market"}, 10},
		{"text-category", Query{Text: "food"}, 10},
	} {
		b.Run(tc.name, func(b *testing.B) {
			rareBenchData(b)
			q := tc.q
			q.K = 10
			dst := make([]geo.Hit, 0, 64)
			i, incomplete := 0, 0
			for b.Loop() {
				p := rareBench.queries[i%len(rareBench.queries)]
				i++
				q.Lat, q.Lon = p[0], p[1]
				var complete bool
				dst, complete = AppendNearest(dst[:0], rareBench.ix, &q)
				if !complete {
					incomplete++
				} else if len(dst) != tc.want {
					b.Fatalf("got %d sites, want %d", len(dst), tc.want)
				}
			}
			b.ReportMetric(float64(incomplete)/float64(i), "incomplete/op")
		})
	}
}

// BenchmarkIndexText builds the text index of the 1M sites of BenchmarkNearest10Rare (one
// part, as after a rebuild) and reports its size.
func BenchmarkIndexText(b *testing.B) {
	rareBenchData(b)
	var ti *textIndex
	for b.Loop() {
		ti = buildTextIndex(rareBench.ix.Base())
	}
	b.ReportMetric(float64(ti.bytes())/float64(rareBench.ix.Len()), "B/site")
	b.ReportMetric(float64(len(ti.words)), "words")
}
