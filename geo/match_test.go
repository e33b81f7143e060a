package geo

import (
	"hash/fnv"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/demo"
)

// rare is a predicate that accepts about one site in every n, by a hash of its ID.
func rare(id string, n uint32) bool {
	h := fnv.New32a()
	h.Write([]byte(id))
	return h.Sum32()%n == 0
}

// TestMatchIsExact checks that Nearest, Within and the box queries with a Match predicate
// give exactly what a linear scan of the matching sites gives, for predicates from common
// (1 in 2) to very rare (1 in 2,000), so a rare filter never returns fewer than k sites while
// matching sites exist further away.
func TestMatchIsExact(t *testing.T) {
	sites := demo.World(20_000, 8)
	ix := NewIndex(sites[:15_000], 1).Apply(sites[15_000:], 2)
	r := rand.New(rand.NewPCG(8, 9))
	for _, n := range []uint32{2, 50, 2000} {
		f := Filter{Match: func(h Hit) bool { return rare(h.ID(), n) }}
		var matching []aidmap.Site
		for _, s := range sites {
			if rare(s.ID, n) {
				matching = append(matching, s)
			}
		}
		ref := newBrute(matching)
		for range 40 {
			lat, lon := uniformLatLon(r)
			k := 1 + r.IntN(12)
			if got, want := ids(ix.Nearest(lat, lon, k, f)), resultIDs(ref.nearest(lat, lon, k, Filter{})); !slices.Equal(got, want) {
				t.Fatalf("1 in %d: Nearest(%v, %v, %d): got %v, want %v", n, lat, lon, k, got, want)
			}
			if got, want := ids(ix.Within(lat, lon, 3_000_000, f)), resultIDs(ref.within(lat, lon, 3_000_000, Filter{})); !slices.Equal(got, want) {
				t.Fatalf("1 in %d: Within: got %d sites, want %d", n, len(got), len(want))
			}
		}
		box := BBox{MinLon: -30, MinLat: 20, MaxLon: 60, MaxLat: 70}
		if got, want := ids(ix.InBBox(box, f)), resultIDs(ref.inBBox(box, Filter{})); !slices.Equal(got, want) {
			t.Fatalf("1 in %d: InBBox: got %d sites, want %d", n, len(got), len(want))
		}
		visited := 0
		ix.VisitBBox(box, f, func(h Hit) {
			if !rare(h.ID(), n) {
				t.Fatalf("VisitBBox visited %s, which Match refuses", h.ID())
			}
			visited++
		})
		if visited != len(ref.inBBox(box, Filter{})) {
			t.Fatalf("1 in %d: VisitBBox visited %d", n, visited)
		}
	}
}

func ids(hits []Hit) []string {
	out := make([]string, len(hits))
	for i, h := range hits {
		out[i] = h.ID()
	}
	return out
}

func resultIDs(rs []result) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.id
	}
	return out
}

// TestFactFiltersAreExact checks the filters the index prunes by (languages, statuses, known
// hours) against a linear scan, alone and together with categories and a Match.
func TestFactFiltersAreExact(t *testing.T) {
	sites := demo.Sites(3000, 21)
	for i := range sites {
		switch i % 7 {
		case 0:
			sites[i].Languages = []string{"pa-IN"}
		case 1:
			sites[i].Languages = []string{"fr-CA", "en"}
		case 2:
			sites[i].Status = aidmap.StatusClosed
		}
	}
	ix := NewIndex(sites[:2000], 1).Apply(sites[2000:], 2)
	speaks := func(s *aidmap.Site, want []string) bool {
		for _, h := range s.Languages {
			for _, w := range want {
				if PrimaryLanguage(h) == PrimaryLanguage(w) {
					return true
				}
			}
		}
		return false
	}
	r := rand.New(rand.NewPCG(2, 3))
	for _, f := range []Filter{
		{Languages: []string{"pa"}},
		{Languages: []string{"FR", "ko"}},
		{Languages: []string{"xx"}},
		{Statuses: []aidmap.Status{aidmap.StatusClosed}},
		{Statuses: []aidmap.Status{aidmap.StatusRetired}},
		{HoursKnown: true, Languages: []string{"pa"}},
		{Categories: aidmap.NewCategorySet(aidmap.CategoryFoodBank), Languages: []string{"fr"}, Match: func(h Hit) bool { return rare(h.ID(), 3) }},
	} {
		var matching []aidmap.Site
		for i := range sites {
			s := &sites[i]
			if (f.Categories == 0 || s.CategorySet()&f.Categories != 0) &&
				(len(f.Languages) == 0 || speaks(s, f.Languages)) &&
				(len(f.Statuses) == 0 || slices.Contains(f.Statuses, s.Status)) &&
				(!f.HoursKnown || s.Hours.Known()) && (f.Match == nil || rare(s.ID, 3)) {
				matching = append(matching, *s)
			}
		}
		ref := newBrute(matching)
		for range 30 {
			lat, lon := 49.1+r.Float64()*0.4, -123.3+r.Float64()*0.6
			if got, want := ids(ix.Nearest(lat, lon, 10, f)), resultIDs(ref.nearest(lat, lon, 10, Filter{})); !slices.Equal(got, want) {
				t.Fatalf("%+v: Nearest: got %v, want %v", f, got, want)
			}
			if got, want := ids(ix.Within(lat, lon, 5000, f)), resultIDs(ref.within(lat, lon, 5000, Filter{})); !slices.Equal(got, want) {
				t.Fatalf("%+v: Within: got %d, want %d", f, len(got), len(want))
			}
		}
		box := BBox{MinLon: -123.2, MinLat: 49.2, MaxLon: -123.0, MaxLat: 49.3}
		if got, want := ids(ix.InBBox(box, f)), resultIDs(ref.inBBox(box, Filter{})); !slices.Equal(got, want) {
			t.Fatalf("%+v: InBBox: got %d, want %d", f, len(got), len(want))
		}
		for i, h := range ix.Nearest(49.25, -123.1, 5, f) {
			if cats := h.Categories(); cats&^aidmap.NewCategorySet(h.Site().Categories...) != 0 {
				t.Fatalf("hit %d: Categories %b has bits the site's categories do not", i, cats)
			}
		}
	}
}
