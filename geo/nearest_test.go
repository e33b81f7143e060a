package geo

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/aidmap/aidmap"
)

// fuzzWorld returns n sites from seed: clusters (some sites at the very same point), a uniform
// background and a cluster across the antimeridian, with random categories, languages,
// statuses and hours, so that every filter the index prunes by meets sites on both sides.
func fuzzWorld(r *rand.Rand, n, first int) []aidmap.Site {
	type centre struct{ lat, lon, sigma float64 }
	centres := []centre{{49.28, -123.1, 0.02}, {-33.9, 151.2, 0.2}, {0, 179.999, 0.01}, {89.99, 0, 0.01}}
	for range 1 + r.IntN(4) {
		lat, lon := uniformLatLon(r)
		centres = append(centres, centre{lat, lon, math.Pow(10, -3+3*r.Float64())})
	}
	langs := []string{"pa", "fr-CA", "en", "ko", "es-MX"}
	statuses := []aidmap.Status{aidmap.StatusActive, aidmap.StatusTemporarilyClosed, aidmap.StatusClosed}
	sites := make([]aidmap.Site, n)
	for i := range sites {
		var lat, lon float64
		switch m := r.IntN(10); {
		case m == 0:
			lat, lon = uniformLatLon(r)
		case m == 1 && i > 0: // the point of an earlier site
			prev := &sites[r.IntN(i)]
			lat, lon = prev.Lat, prev.Lon
		default:
			c := centres[r.IntN(len(centres))]
			lat = math.Max(-90, math.Min(90, c.lat+r.NormFloat64()*c.sigma))
			lon = math.Mod(c.lon+r.NormFloat64()*c.sigma+540, 360) - 180
		}
		s := site(first+i, lat, lon, randomCats(r)...)
		for _, l := range langs {
			if r.IntN(4) == 0 {
				s.Languages = append(s.Languages, l)
			}
		}
		s.Status = statuses[r.IntN(len(statuses))]
		if r.IntN(2) == 0 {
			s.Hours.Weekly = []aidmap.Period{{Day: time.Monday, Open: 540, Close: 1020}}
		}
		sites[i] = s
	}
	return sites
}

// fuzzFilter returns a filter from bits: categories, languages, statuses, known hours and an
// exact predicate, alone or together, and the linear scan's test for it.
func fuzzFilter(r *rand.Rand, bits uint16) (Filter, func(*aidmap.Site) bool) {
	var f Filter
	if bits&1 != 0 {
		f.Categories = aidmap.NewCategorySet(randomCats(r)...)
	}
	if bits&2 != 0 {
		f.Languages = [][]string{{"pa"}, {"FR", "ko"}, {"es"}, {"xx"}, {""}}[r.IntN(5)]
	}
	if bits&4 != 0 {
		f.Statuses = [][]aidmap.Status{{aidmap.StatusClosed}, {aidmap.StatusActive, aidmap.StatusTemporarilyClosed}, {aidmap.StatusRetired}}[r.IntN(3)]
	}
	f.HoursKnown = bits&8 != 0
	every := uint32(1 + bits>>8)
	if bits&16 != 0 {
		f.Match = func(h Hit) bool { return rare(h.ID(), every) }
	}
	speaks := func(s *aidmap.Site) bool {
		for _, h := range s.Languages {
			for _, w := range f.Languages {
				if PrimaryLanguage(h) == PrimaryLanguage(w) {
					return true
				}
			}
		}
		return false
	}
	return f, func(s *aidmap.Site) bool {
		return (f.Categories == 0 || s.CategorySet()&f.Categories != 0) &&
			(len(f.Languages) == 0 || speaks(s)) &&
			(len(f.Statuses) == 0 || slices.Contains(f.Statuses, s.Status)) &&
			(!f.HoursKnown || s.Hours.Known()) &&
			(f.Match == nil || rare(s.ID, every))
	}
}

// checkNearestProperty builds an index of n sites from seed, applies changes (tombstones in the
// base and a delta tree, or a rebuild), and compares Nearest with a linear scan for one filter
// and several k at query points near sites and anywhere.
func checkNearestProperty(t *testing.T, seed uint64, n, k int, filterBits uint16, changes int) {
	t.Helper()
	r := rand.New(rand.NewPCG(seed, uint64(n)))
	sites := fuzzWorld(r, n, 0)
	ix := NewIndex(sites, 1)
	ref := newBrute(sites)
	if changes > 0 {
		changed := fuzzWorld(r, changes, n) // new sites
		for i := range changed {
			if len(sites) > 0 && r.IntN(2) == 0 { // or a change to an existing one
				s := sites[r.IntN(len(sites))]
				switch r.IntN(3) {
				case 0:
					s.Status = aidmap.StatusRetired
				case 1:
					s.Lat, s.Lon = changed[i].Lat, changed[i].Lon
				default:
					s.Languages, s.Categories = changed[i].Languages, changed[i].Categories
				}
				changed[i] = s
			}
		}
		ix = ix.Apply(changed, 2)
		ref.apply(changed)
	}
	f, match := fuzzFilter(r, filterBits)
	var matching []aidmap.Site
	for _, s := range ref.sites {
		if match(s) {
			matching = append(matching, *s)
		}
	}
	want := newBrute(matching)
	// AppendNearestAmong over every position, and over the matching sites' positions with
	// others mixed in (tombstones included), gives the same answer.
	var every, some [2][]uint32
	for i, t := range [2]*tree{ix.base, ix.delta} {
		for p := range t.len() {
			every[i] = append(every[i], uint32(p))
			if match(t.site(uint32(p))) || r.IntN(3) == 0 {
				some[i] = append(some[i], uint32(p))
			}
		}
	}
	for _, q := range queryPoints(r, sites, 8) {
		for _, k := range []int{k, 1, 10, 1 + len(matching)} { // the last: all matching sites
			wantK := want.nearest(q[0], q[1], k, Filter{})
			if diff := sameHits(ix.Nearest(q[0], q[1], k, f), wantK); diff != "" {
				t.Fatalf("seed %d, %d sites, %d changes, filter %+v: Nearest(%v, %v, %d): %s",
					seed, n, changes, f, q[0], q[1], k, diff)
			}
			for _, among := range [][2][]uint32{every, some} {
				if diff := sameHits(ix.AppendNearestAmong(nil, q[0], q[1], k, f, among[0], among[1]), wantK); diff != "" {
					t.Fatalf("seed %d, %d sites, %d changes, filter %+v: AppendNearestAmong(%v, %v, %d) of %d+%d positions: %s",
						seed, n, changes, f, q[0], q[1], k, len(among[0]), len(among[1]), diff)
				}
			}
		}
	}
}

// TestNearestProperty checks nearest-k against a linear scan over many random worlds, filters
// and changes (FuzzNearest explores further).
func TestNearestProperty(t *testing.T) {
	r := rand.New(rand.NewPCG(20, 1))
	for i := range queryCount(150) {
		seed, n, k := r.Uint64(), r.IntN(3000), 1+r.IntN(40)
		bits, changes := uint16(r.IntN(1<<16)), 0
		if i%4 == 0 {
			bits = 0 // no filter: the path that bounds the k-th distance by node sizes
		}
		if r.IntN(2) == 0 {
			changes = r.IntN(1 + n/4)
		}
		t.Run(fmt.Sprint(i), func(t *testing.T) { checkNearestProperty(t, seed, n, k, bits, changes) })
	}
}

func FuzzNearest(f *testing.F) {
	f.Add(uint64(1), uint16(2000), uint8(10), uint16(0), uint16(0))
	f.Add(uint64(2), uint16(1000), uint8(10), uint16(0), uint16(100))
	f.Add(uint64(3), uint16(17), uint8(16), uint16(0), uint16(3))
	f.Add(uint64(4), uint16(500), uint8(3), uint16(0x31f), uint16(20))
	f.Fuzz(func(t *testing.T, seed uint64, n uint16, k uint8, filterBits, changes uint16) {
		checkNearestProperty(t, seed, int(n%4000), 1+int(k%64), filterBits, int(changes%2000))
	})
}

// TestNearestAfterRetiringACluster retires most of a dense cluster without a rebuild, so whole
// nodes hold mostly tombstones: the nearest sites are then the few left in the cluster and the
// ones beyond it, never fewer than k.
func TestNearestAfterRetiringACluster(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	var sites []aidmap.Site
	for i := range 1000 { // the cluster, within about 100 m
		sites = append(sites, site(i, 49.28+r.NormFloat64()*0.0005, -123.1+r.NormFloat64()*0.0005, randomCats(r)...))
	}
	for i := range 3000 { // around it, a few km off
		sites = append(sites, site(1000+i, 49.28+r.NormFloat64()*0.05, -123.1+r.NormFloat64()*0.05, randomCats(r)...))
	}
	ix, ref := NewIndex(sites, 1), newBrute(sites)
	for _, keep := range []int{200, 30, 5, 0} {
		var retired []aidmap.Site
		for i := keep; i < 1000; i++ {
			if _, ok := ref.sites[sites[i].ID]; ok {
				s := sites[i]
				s.Status = aidmap.StatusRetired
				retired = append(retired, s)
			}
		}
		ix = ix.Apply(retired, int64(2+keep))
		ref.apply(retired)
		if ix.delta != nil || ix.dead == nil {
			t.Fatalf("keep %d: the retirements were rebuilt into a new tree; want tombstones", keep)
		}
		for _, k := range []int{1, 10, 16, 100} {
			for _, q := range [][2]float64{{49.28, -123.1}, {49.2801, -123.1001}} {
				if diff := sameHits(ix.Nearest(q[0], q[1], k, Filter{}), ref.nearest(q[0], q[1], k, Filter{})); diff != "" {
					t.Fatalf("keep %d: Nearest(%v, %v, %d): %s", keep, q[0], q[1], k, diff)
				}
			}
		}
	}
}

// TestNearestNodesMatchingOnlyByUnion has nodes whose set of facts matches a filter only as a
// union: a child with the category, another with the language, none with both. Such a node
// is expanded and yields nothing; the few sites that match are found, once each, however far.
func TestNearestNodesMatchingOnlyByUnion(t *testing.T) {
	food, clinic := aidmap.CategoryFoodBank, aidmap.CategoryClinic
	var sites []aidmap.Site
	// A grid of points of 32 sites each (so that leaves of 16 hold one kind), by turns food
	// banks and Punjabi clinics.
	for cell := range 200 {
		lat, lon := 49.2+float64(cell/20)*0.01, -123.2+float64(cell%20)*0.01
		for range 32 {
			s := site(len(sites), lat, lon, food)
			if cell%2 == 1 {
				s.Categories, s.Languages = []aidmap.Category{clinic}, []string{"pa"}
			}
			sites = append(sites, s)
		}
	}
	var want []aidmap.Site
	for i := range 32 { // the only food banks speaking Punjabi, at the start of the Hilbert curve
		s := site(len(sites), -35.26+float64(i)*1e-4, -44.99, food)
		s.Languages = []string{"pa"}
		sites = append(sites, s)
		want = append(want, s)
	}
	ix, ref := NewIndex(sites, 1), newBrute(want)
	f := Filter{Categories: aidmap.NewCategorySet(food), Languages: []string{"pa"}}
	for _, k := range []int{1, 10, 32, 33, 1000} {
		if diff := sameHits(ix.Nearest(49.25, -123.1, k, f), ref.nearest(49.25, -123.1, k, Filter{})); diff != "" {
			t.Fatalf("Nearest(k %d): %s", k, diff)
		}
	}
}
