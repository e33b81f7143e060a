package web

import (
	"fmt"
	"math/rand/v2"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aidmap/aidmap"
)

// benchCities are the centres scripts/bench draws its query points around (scripts/benchchart).
var benchCities = [][2]float64{
	{49.28, -123.12}, {43.65, -79.38}, {45.50, -73.57}, {51.51, -0.13}, {48.86, 2.35},
	{40.71, -74.01}, {34.05, -118.24}, {19.43, -99.13}, {-23.55, -46.63}, {-33.87, 151.21},
	{35.68, 139.69}, {28.61, 77.21}, {30.04, 31.24}, {6.52, 3.38}, {-1.29, 36.82},
	{52.52, 13.40}, {41.01, 28.98}, {55.76, 37.62}, {-18.14, 178.44}, {64.15, -21.94},
}

// BenchmarkNearestHandlerRandom1M is the public nearest-10 list on 1M world sites at 10,000
// query points drawn as scripts/bench draws them, so most answers miss the per-snapshot site
// cache as they do under wrk (a fixed point, as in BenchmarkNearestHandler, always hits it).
//
//	go test ./web -run '^$' -bench NearestHandlerRandom1M -count 6
func BenchmarkNearestHandlerRandom1M(b *testing.B) {
	st := &stale1M
	st.once.Do(stale1MInit)
	orgs := map[string]aidmap.Organization{"bench": {ID: "bench", Name: "Bench"}}
	h := NewServer(Config{Source: snapshot{ix: st.all, orgs: orgs}, Store: pinger{}}).Handler()
	r := rand.New(rand.NewPCG(42, 0x61696d6170))
	urls := make([]string, 10_000)
	for i := range urls {
		c := benchCities[r.IntN(len(benchCities))]
		urls[i] = fmt.Sprintf("/api/v1/sites/nearest?lat=%.5f&lon=%.5f&limit=10", c[0]+(r.Float64()-0.5)*0.3, c[1]+(r.Float64()-0.5)*0.3)
	}
	b.ReportAllocs()
	i := 0
	cpu := cpuTime()
	for b.Loop() {
		req := httptest.NewRequest("GET", urls[i%len(urls)], nil)
		i++
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != 200 {
			b.Fatal(w.Code)
		}
	}
	// CPU time (the process's, GC included) per request: what a busy machine does not inflate.
	b.ReportMetric(float64(cpuTime()-cpu)/float64(time.Microsecond)/float64(b.N), "cpu-µs/op")
}
