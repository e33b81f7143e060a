package place

import (
	"fmt"
	"math"
	"sync"
	"testing"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/demo"
)

// benchSets returns n existing sites (demo.World: real cities) and n new ones from another
// provider: every third a copy of an existing site 10-30 m away with its name misspelt and
// its phone reformatted, the rest other demo sites.
func benchSets(n int) (old, new []aidmap.Site) {
	old = demo.World(n, 1)
	new = demo.World(n, 2)
	for i := 0; i < n; i += 3 {
		s := old[i]
		s.ID, s.OrganizationID = fmt.Sprint("copy-", i), "other-provider"
		s.Name = "The " + s.Name + "s"
		d := 10 + float64(i%21)
		s.Lat += d / 111195
		s.Lon += d / (111195 * math.Cos(s.Lat*math.Pi/180))
		if len(s.Phone) > 0 {
			s.Phone = "+1 " + s.Phone
		}
		new[i] = s
	}
	return old, new
}

var benchCache = struct {
	sync.Mutex
	m map[int][2][]aidmap.Site
}{m: map[int][2][]aidmap.Site{}}

func cachedSets(n int) ([]aidmap.Site, []aidmap.Site) {
	benchCache.Lock()
	defer benchCache.Unlock()
	s, ok := benchCache.m[n]
	if !ok {
		s[0], s[1] = benchSets(n)
		benchCache.m[n] = s
	}
	return s[0], s[1]
}

// BenchmarkLinkAll links n new sites against n existing ones from scratch: index both,
// then match the new against all (the target for 1M against 1M is 30 s).
func BenchmarkLinkAll(b *testing.B) {
	for _, n := range []int{100_000, 1_000_000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			old, new := cachedSets(n)
			b.ResetTimer()
			var links int
			for range b.N {
				m := New(Options{})
				m.Add(old)
				m.Add(new)
				res := m.MatchFrom(n)
				links = len(res.Links)
			}
			b.ReportMetric(float64(links), "links")
		})
	}
}

// BenchmarkLinkIncremental links an upload of 10k sites against 1M already indexed (the
// target is 1 s): Add and MatchFrom only, the index of the 1M built once outside the timer.
func BenchmarkLinkIncremental(b *testing.B) {
	const n, k = 1_000_000, 10_000
	old, new := cachedSets(n)
	m := New(Options{})
	m.Add(old)
	b.ResetTimer()
	var links int
	for range b.N {
		b.StopTimer()
		m.truncate(n)
		b.StartTimer()
		m.Add(new[:k])
		links = len(m.MatchFrom(n).Links)
	}
	b.ReportMetric(float64(links), "links")
}
