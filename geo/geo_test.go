package geo

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/demo"
)

// site returns a minimal valid site.
func site(i int, lat, lon float64, cats ...aidmap.Category) aidmap.Site {
	if len(cats) == 0 {
		cats = []aidmap.Category{aidmap.CategoryFoodBank}
	}
	ext := fmt.Sprintf("t-%07d", i)
	return aidmap.Site{
		ID: aidmap.SiteID("test", ext), OrganizationID: "test", ExternalID: ext,
		Name: "Test " + ext, Lat: lat, Lon: lon, Categories: cats,
		Precision: aidmap.PrecisionExact, Status: aidmap.StatusActive,
	}
}

var allCats = func() []aidmap.Category {
	var cs []aidmap.Category
	for _, c := range aidmap.Categories() {
		cs = append(cs, c.Slug)
	}
	return cs
}()

func randomCats(r *rand.Rand) []aidmap.Category {
	n := 1 + r.IntN(3)
	cs := make([]aidmap.Category, n)
	for i := range cs {
		cs[i] = allCats[r.IntN(len(allCats))]
	}
	return cs
}

// uniformLatLon is uniform by area on the sphere.
func uniformLatLon(r *rand.Rand) (float64, float64) {
	return math.Asin(2*r.Float64()-1) * 180 / math.Pi, r.Float64()*360 - 180
}

// datasets are the property-test inputs: realistic, uniform and the hard cases.
func datasets() map[string][]aidmap.Site {
	r := rand.New(rand.NewPCG(1, 2))
	gen := func(n int, at func(i int) (float64, float64)) []aidmap.Site {
		s := make([]aidmap.Site, n)
		for i := range s {
			lat, lon := at(i)
			s[i] = site(i, lat, lon, randomCats(r)...)
		}
		return s
	}
	world := demo.World(20000, 3)
	vancouver := demo.Sites(3000, 4)
	return map[string][]aidmap.Site{
		"world":     world,
		"vancouver": vancouver,
		"uniform":   gen(5000, func(int) (float64, float64) { return uniformLatLon(r) }),
		"antimeridian": gen(3000, func(int) (float64, float64) {
			lon := 179.5 + r.Float64()*0.5
			if r.IntN(2) == 0 {
				lon = -lon
			}
			return -20 + r.Float64()*40, lon
		}),
		"poles": gen(3000, func(int) (float64, float64) {
			lat := 89.5 + r.Float64()*0.5
			if r.IntN(2) == 0 {
				lat = -lat
			}
			return lat, r.Float64()*360 - 180
		}),
		"duplicates": gen(4000, func(i int) (float64, float64) {
			// 100 distinct points, 40 sites at each.
			p := rand.New(rand.NewPCG(uint64(i%100), 9))
			return 49.28 + p.Float64()*0.01, -123.1 + p.Float64()*0.01
		}),
		"small": gen(7, func(int) (float64, float64) { return uniformLatLon(r) }),
	}
}

// queryPoints returns points near the sites and at the awkward places.
func queryPoints(r *rand.Rand, sites []aidmap.Site, n int) [][2]float64 {
	qs := [][2]float64{
		{0, 179.99}, {0, -179.99}, {-18.1, 180}, {-18.1, -180}, {10, 179.9999},
		{89.9, 0}, {-89.9, 45}, {90, 0}, {-90, 0}, {89.99, -179.99},
		{49.281, -123.099}, {0, 0},
	}
	for range n {
		if len(sites) > 0 && r.IntN(4) != 0 {
			s := &sites[r.IntN(len(sites))]
			lat, lon := s.Lat, s.Lon
			lat = math.Max(-90, math.Min(90, lat+r.NormFloat64()*0.02))
			lon += r.NormFloat64() * 0.02
			if lon > 180 {
				lon -= 360
			} else if lon < -180 {
				lon += 360
			}
			qs = append(qs, [2]float64{lat, lon})
		} else {
			lat, lon := uniformLatLon(r)
			qs = append(qs, [2]float64{lat, lon})
		}
	}
	return qs
}

// brute is the reference: a linear scan with aidmap.DistanceM over the visible sites (the last
// of each ID), at their public locations.
type brute struct{ sites map[string]*aidmap.Site }

func newBrute(sites []aidmap.Site) *brute {
	b := &brute{sites: make(map[string]*aidmap.Site)}
	b.apply(sites)
	return b
}

func (b *brute) apply(sites []aidmap.Site) {
	for i := range sites {
		s := sites[i]
		if indexable(&s) { // as the index: a confidential site only in its public form
			b.sites[s.ID] = &s
		} else {
			delete(b.sites, s.ID)
		}
	}
}

// result is an expected hit.
type result struct {
	id string
	d  float64
}

func (b *brute) all(lat, lon float64, f Filter) []result {
	var hits []result
	for _, s := range b.sites {
		if f.Categories != 0 && !s.CategorySet().Intersects(f.Categories) {
			continue
		}
		slat, slon := s.Lat, s.Lon
		hits = append(hits, result{s.ID, aidmap.DistanceM(lat, lon, slat, slon)})
	}
	slices.SortFunc(hits, func(a, b result) int {
		return cmp.Or(cmp.Compare(a.d, b.d), cmp.Compare(a.id, b.id))
	})
	return hits
}

func (b *brute) nearest(lat, lon float64, k int, f Filter) []result {
	h := b.all(lat, lon, f)
	return h[:min(k, len(h))]
}

func (b *brute) within(lat, lon, r float64, f Filter) []result {
	h := b.all(lat, lon, f)
	n := 0
	for n < len(h) && h[n].d <= r {
		n++
	}
	return h[:n]
}

func (b *brute) inBBox(box BBox, f Filter) []result {
	var hits []result
	for _, s := range b.sites {
		if f.Categories != 0 && !s.CategorySet().Intersects(f.Categories) {
			continue
		}
		lat, lon := s.Lat, s.Lon
		inLon := lon >= box.MinLon && lon <= box.MaxLon
		if box.MinLon > box.MaxLon {
			inLon = lon >= box.MinLon || lon <= box.MaxLon
		}
		if inLon && lat >= box.MinLat && lat <= box.MaxLat {
			hits = append(hits, result{id: s.ID})
		}
	}
	slices.SortFunc(hits, func(a, b result) int { return cmp.Compare(a.id, b.id) })
	return hits
}

// sameHits reports the first difference between got and want, or "". Every hit must also
// decode to the site of its ID.
func sameHits(got []Hit, want []result) string {
	if len(got) != len(want) {
		return fmt.Sprintf("got %d hits, want %d", len(got), len(want))
	}
	for i := range got {
		if id := got[i].ID(); id != want[i].id {
			return fmt.Sprintf("hit %d: got %s at %.9f m, want %s at %.9f m",
				i, id, got[i].DistanceM, want[i].id, want[i].d)
		}
		if got[i].DistanceM != want[i].d {
			return fmt.Sprintf("hit %d (%s): got %.9f m, want %.9f m", i, want[i].id, got[i].DistanceM, want[i].d)
		}
		if i < 3 {
			if s := got[i].Site(); s.ID != want[i].id {
				return fmt.Sprintf("hit %d: Site().ID = %s, want %s", i, s.ID, want[i].id)
			}
		}
	}
	return ""
}

func randomFilter(r *rand.Rand) Filter {
	if r.IntN(2) == 0 {
		return Filter{}
	}
	return Filter{Categories: aidmap.NewCategorySet(randomCats(r)...)}
}

// checkAll compares ix with the brute force at the given queries.
func checkAll(t *testing.T, ix *Index, ref *brute, r *rand.Rand, qs [][2]float64) {
	t.Helper()
	if got, want := ix.Len(), len(ref.sites); got != want {
		t.Fatalf("Len: got %d, want %d", got, want)
	}
	for _, q := range qs {
		lat, lon := q[0], q[1]
		f := randomFilter(r)
		for _, k := range []int{1, 10, 100, 1000} {
			if diff := sameHits(ix.Nearest(lat, lon, k, f), ref.nearest(lat, lon, k, f)); diff != "" {
				t.Fatalf("Nearest(%v, %v, %d, %v): %s", lat, lon, k, f, diff)
			}
		}
		for _, rm := range []float64{0, 50, 2000, 50000, 300000} {
			if diff := sameHits(ix.Within(lat, lon, rm, f), ref.within(lat, lon, rm, f)); diff != "" {
				t.Fatalf("Within(%v, %v, %v, %v): %s", lat, lon, rm, f, diff)
			}
		}
		w, h := r.Float64()*5, r.Float64()*3
		box := BBox{MinLon: lon - w, MinLat: lat - h, MaxLon: lon + w, MaxLat: lat + h}
		if box.MinLon < -180 {
			box.MinLon += 360
		}
		if box.MaxLon > 180 {
			box.MaxLon -= 360
		}
		want := ref.inBBox(box, f)
		if diff := sameHits(ix.InBBox(box, f), want); diff != "" {
			t.Fatalf("InBBox(%+v, %v): %s", box, f, diff)
		}
		checkPages(t, ix, r, box, f, want)
	}
}

// checkPages walks InBBox's result a page at a time with AppendInBBoxAfter, and starts pages
// after arbitrary strings, comparing with want (the whole result in ID order).
func checkPages(t *testing.T, ix *Index, r *rand.Rand, box BBox, f Filter, want []result) {
	t.Helper()
	limit := 1 + r.IntN(40)
	var got []Hit
	after := ""
	for page := 0; ; page++ {
		if page > len(want)+1 {
			t.Fatalf("InBBoxAfter(%+v, %v, limit %d): pages never end", box, f, limit)
		}
		start := len(got)
		var more bool
		got, more = ix.AppendInBBoxAfter(got, box, f, after, limit)
		n := len(got) - start
		if n > limit || more && n != limit {
			t.Fatalf("InBBoxAfter(%+v, %v, %q, %d): got %d hits and more=%v", box, f, after, limit, n, more)
		}
		if !more {
			break
		}
		after = got[len(got)-1].ID()
	}
	if diff := sameHits(got, want); diff != "" {
		t.Fatalf("InBBoxAfter pages of %+v, %v, limit %d: %s", box, f, limit, diff)
	}
	// After a string that is not an ID, or an ID not in the box.
	afters := []string{"", "0", "8", "f", "ffffffff-", "zz", "G", aidmap.SiteID("x", fmt.Sprint(r.Int()))}
	if len(want) > 0 {
		id := want[r.IntN(len(want))].id
		afters = append(afters, id, id[:r.IntN(36)], id+"x", strings.ToUpper(id))
	}
	for _, a := range afters {
		var rest []result
		for _, w := range want {
			if w.id > a {
				rest = append(rest, w)
			}
		}
		page, more := ix.AppendInBBoxAfter(nil, box, f, a, limit)
		if wantMore := len(rest) > limit; more != wantMore {
			t.Fatalf("InBBoxAfter(%+v, %v, %q, %d): got more=%v, want %v", box, f, a, limit, more, wantMore)
		}
		if diff := sameHits(page, rest[:min(limit, len(rest))]); diff != "" {
			t.Fatalf("InBBoxAfter(%+v, %v, %q, %d): %s", box, f, a, limit, diff)
		}
	}
	if page, more := ix.AppendInBBoxAfter(nil, box, f, "", 0); len(page) != 0 || more != (len(want) > 0) {
		t.Fatalf("InBBoxAfter(%+v, %v, limit 0): got %d hits, more=%v; want 0, %v", box, f, len(page), more, len(want) > 0)
	}
}

// queryCount returns n random query points per check, fewer under -race or -short (the fixed
// awkward points are always checked).
func queryCount(n int) int {
	if raceEnabled || testing.Short() {
		return n / 5
	}
	return n
}

func TestQueriesMatchLinearScan(t *testing.T) {
	for name, sites := range datasets() {
		t.Run(name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(7, uint64(len(sites))))
			ix := NewIndex(sites, 1)
			checkAll(t, ix, newBrute(sites), r, queryPoints(r, sites, queryCount(60)))
		})
	}
}

func TestApplyMatchesLinearScan(t *testing.T) {
	tests := []struct {
		name   string
		rounds int
		batch  int
	}{
		{"small batches", 8, 40},
		{"large batches force rebuilds", 4, 1500},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(11, uint64(tt.batch)))
			sites := demo.World(5000, 5)
			ix := NewIndex(sites, 1)
			ref := newBrute(sites)
			next := len(sites)
			for round := range tt.rounds {
				old, oldRef := ix, newBrute(nil)
				for id, s := range ref.sites {
					oldRef.sites[id] = s
				}
				var changed []aidmap.Site
				for range tt.batch {
					switch r.IntN(4) {
					case 0: // move an existing site, possibly across the antimeridian
						s := sites[r.IntN(len(sites))]
						s.Lat, s.Lon = uniformLatLon(r)
						changed = append(changed, s)
					case 1: // retire one
						s := sites[r.IntN(len(sites))]
						s.Status = aidmap.StatusRetired
						changed = append(changed, s)
					case 2: // change categories and confidentiality
						s := sites[r.IntN(len(sites))]
						s.Categories = randomCats(r)
						s.Confidential = !s.Confidential
						changed = append(changed, s)
					default: // add a new one near the antimeridian or anywhere
						lat, lon := uniformLatLon(r)
						if r.IntN(2) == 0 {
							lon = 179.99 + r.Float64()*0.01
						}
						changed = append(changed, site(next, lat, lon, randomCats(r)...))
						next++
					}
				}
				ix = ix.Apply(changed, int64(round+2))
				ref.apply(changed)
				if got, want := ix.Version(), int64(round+2); got != want {
					t.Fatalf("Version: got %d, want %d", got, want)
				}
				checkAll(t, ix, ref, r, queryPoints(r, sites, queryCount(15)))
				// The old snapshot is unchanged.
				checkAll(t, old, oldRef, r, queryPoints(r, sites, queryCount(5)))
				// Changed sites, and others whose records a rebuild copied.
				check := slices.Clone(changed)
				for range 20 {
					check = append(check, sites[r.IntN(len(sites))])
				}
				for _, s := range check {
					got, ok := ix.Site(s.ID)
					want, wantOK := ref.sites[s.ID]
					if ok != wantOK || ok && !reflect.DeepEqual(*got, *want) {
						t.Fatalf("Site(%s): got %+v %v, want %+v %v", s.ID, got, ok, want, wantOK)
					}
				}
			}
		})
	}
}

func TestBuilderDuplicatesAndRetired(t *testing.T) {
	a := site(1, 10, 10)
	a2 := site(1, 20, 20)
	b := site(2, 30, 30)
	bGone := b
	bGone.Status = aidmap.StatusRetired
	c := site(3, 40, 40)
	cGone := c
	cGone.Status = aidmap.StatusRetired
	tests := []struct {
		name    string
		sites   []aidmap.Site
		wantLen int
		wantLat map[string]float64 // ID → lat; missing IDs must be absent
	}{
		{"last duplicate wins", []aidmap.Site{a, b, a2}, 2, map[string]float64{a.ID: 20, b.ID: 30}},
		{"retired after visible removes", []aidmap.Site{a, b, bGone}, 1, map[string]float64{a.ID: 10}},
		{"visible after retired adds", []aidmap.Site{cGone, c}, 1, map[string]float64{c.ID: 40}},
		{"empty", nil, 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ix := NewIndex(tt.sites, 3)
			if got := ix.Len(); got != tt.wantLen {
				t.Errorf("Len: got %d, want %d", got, tt.wantLen)
			}
			for _, s := range []aidmap.Site{a, b, c} {
				got, ok := ix.Site(s.ID)
				want, wantOK := tt.wantLat[s.ID]
				if ok != wantOK || ok && got.Lat != want {
					t.Errorf("Site(%s): got %v, want lat %v present %v", s.ID, got, want, wantOK)
				}
			}
			if hits := ix.Nearest(0, 0, 10, Filter{}); len(hits) != tt.wantLen {
				t.Errorf("Nearest: got %d hits, want %d", len(hits), tt.wantLen)
			}
		})
	}
}

func TestConfidentialIndexedAtPublicPoint(t *testing.T) {
	s := site(1, 49.2812345, -123.0987654, aidmap.CategoryShelter)
	s.Confidential = true
	if ix := NewIndex([]aidmap.Site{s}, 1); ix.Len() != 0 {
		t.Fatal("a confidential site not in its public form was indexed")
	}
	pub := demo.Publisher().Public(&s)
	ix := NewIndex([]aidmap.Site{pub}, 1)
	plat, plon := pub.Lat, pub.Lon
	hits := ix.Nearest(s.Lat, s.Lon, 1, Filter{})
	if len(hits) != 1 {
		t.Fatalf("got %d hits, want 1", len(hits))
	}
	want := aidmap.DistanceM(s.Lat, s.Lon, plat, plon)
	if got := hits[0].DistanceM; math.Abs(got-want) > 1e-6 || got == 0 {
		t.Errorf("got distance %v m from the true point, want %v (the public point)", got, want)
	}
	if got := ix.Within(s.Lat, s.Lon, 100, Filter{}); len(got) != 0 {
		t.Errorf("got %d hits within 100 m of the true point, want 0", len(got))
	}
}

func TestCopiesSites(t *testing.T) {
	sites := []aidmap.Site{site(1, 1, 1, aidmap.CategoryShelter)}
	sites[0].Languages = []string{"en"}
	ix := NewIndex(sites, 1)
	sites[0].Name = "changed"
	sites[0].Categories[0] = aidmap.CategoryClinic
	sites[0].Languages[0] = "fr"
	got, _ := ix.Site(sites[0].ID)
	if got.Name == "changed" || got.Categories[0] != aidmap.CategoryShelter || got.Languages[0] != "en" {
		t.Errorf("got %q %v %v after changing the input, want the original", got.Name, got.Categories, got.Languages)
	}
}

func TestBounds(t *testing.T) {
	tests := []struct {
		name   string
		points [][2]float64 // lat, lon
		want   BBox
		ok     bool
	}{
		{"empty", nil, BBox{}, false},
		{"one", [][2]float64{{49, -123}}, BBox{-123, 49, -123, 49}, true},
		{"ordinary", [][2]float64{{49, -123}, {43.6, -79.4}, {45.5, -73.6}}, BBox{-123, 43.6, -73.6, 49}, true},
		{"across the antimeridian", [][2]float64{{-18, 178.4}, {-21, -175.2}, {-36.8, 174.7}}, BBox{174.7, -36.8, -175.2, -18}, true},
		{"widest gap not at the antimeridian", [][2]float64{{10, -170}, {0, 0}, {-10, 170}}, BBox{0, -10, -170, 10}, true},
		{"widest gap at the antimeridian", [][2]float64{{10, -100}, {0, 0}, {-10, 100}}, BBox{-100, -10, 100, 10}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var sites []aidmap.Site
			for i, p := range tt.points {
				sites = append(sites, site(i, p[0], p[1]))
			}
			got, ok := NewIndex(sites, 1).Bounds()
			if got != tt.want || ok != tt.ok {
				t.Errorf("got %+v %v, want %+v %v", got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestEdgeCases(t *testing.T) {
	ix := NewIndex([]aidmap.Site{site(1, 0, 0), site(2, 0, 1)}, 1)
	tests := []struct {
		name string
		got  []Hit
		want int
	}{
		{"k zero", ix.Nearest(0, 0, 0, Filter{}), 0},
		{"k negative", ix.Nearest(0, 0, -1, Filter{}), 0},
		{"k beyond size", ix.Nearest(0, 0, 5, Filter{}), 2},
		{"NaN point", ix.Nearest(math.NaN(), 0, 5, Filter{}), 0},
		{"negative radius", ix.Within(0, 0, -1, Filter{}), 0},
		{"whole earth radius", ix.Within(0, 180, 1e8, Filter{}), 2},
		{"no category match", ix.Nearest(0, 0, 5, Filter{Categories: aidmap.NewCategorySet(aidmap.CategoryClinic)}), 0},
		{"inverted latitudes", ix.InBBox(BBox{-1, 1, 2, -1}, Filter{}), 0},
		{"crossing box holds both", ix.InBBox(BBox{-1, -1, -179, 1}, Filter{}), 2},
		{"empty index", (&Live{}).Load().Nearest(0, 0, 5, Filter{}), 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if len(tt.got) != tt.want {
				t.Errorf("got %d hits, want %d", len(tt.got), tt.want)
			}
		})
	}
}

func TestAppendDoesNotAllocate(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are meaningless under -race")
	}
	sites := demo.World(20000, 1)
	ix := NewIndex(sites, 1).Apply([]aidmap.Site{site(1, 49.28, -123.1)}, 2)
	dst := make([]Hit, 0, 2000)
	tests := []struct {
		name string
		fn   func()
	}{
		{"AppendNearest", func() { dst = ix.AppendNearest(dst[:0], 49.28, -123.1, 10, Filter{}) }},
		{"AppendWithin", func() { dst = ix.AppendWithin(dst[:0], 49.28, -123.1, 2000, Filter{}) }},
		{"AppendInBBox", func() { dst = ix.AppendInBBox(dst[:0], BBox{-123.2, 49.2, -123, 49.3}, Filter{}) }},
		{"AppendInBBoxAfter", func() {
			dst, _ = ix.AppendInBBoxAfter(dst[:0], BBox{-123.2, 49.2, -123, 49.3}, Filter{}, "5", 50)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.fn() // warm the pool
			if got := testing.AllocsPerRun(100, tt.fn); got > 0 {
				t.Errorf("got %v allocs per run, want 0", got)
			}
		})
	}
}

// TestLiveConcurrent runs readers against a Live while a writer applies changes; run with
// -race.
func TestLiveConcurrent(t *testing.T) {
	var live Live
	if got := live.Load().Len(); got != 0 {
		t.Fatalf("zero Live: got Len %d, want 0", got)
	}
	sites := demo.World(3000, 9)
	live.Store(NewIndex(sites, 1))
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(g), 1))
			var dst []Hit
			for {
				select {
				case <-stop:
					return
				default:
				}
				ix := live.Load()
				lat, lon := uniformLatLon(r)
				dst = ix.AppendNearest(dst[:0], lat, lon, 10, Filter{})
				if len(dst) != min(10, ix.Len()) {
					t.Errorf("version %d: got %d hits, want %d", ix.Version(), len(dst), min(10, ix.Len()))
					return
				}
				if s := dst[0].Site(); s.ID != dst[0].ID() {
					t.Errorf("version %d: Site().ID %s, want %s", ix.Version(), s.ID, dst[0].ID())
					return
				}
				dst = ix.AppendWithin(dst[:0], lat, lon, 50000, Filter{})
				_ = ix.InBBox(BBox{lon - 1, lat - 1, lon + 1, lat + 1}, Filter{})
				_, _ = ix.AppendInBBoxAfter(dst[:0], BBox{lon - 1, lat - 1, lon + 1, lat + 1}, Filter{}, "8", 10)
				_, _ = ix.Site(sites[r.IntN(len(sites))].ID)
			}
		}()
	}
	r := rand.New(rand.NewPCG(99, 1))
	for v := int64(2); v < 60; v++ {
		ix := live.Load()
		var changed []aidmap.Site
		for range 50 {
			s := sites[r.IntN(len(sites))]
			s.Lat, s.Lon = uniformLatLon(r)
			if r.IntN(5) == 0 {
				s.Status = aidmap.StatusRetired
			}
			changed = append(changed, s)
		}
		live.Store(ix.Apply(changed, v))
	}
	close(stop)
	wg.Wait()
	if got := live.Load().Version(); got != 59 {
		t.Errorf("got version %d, want 59", got)
	}
}
