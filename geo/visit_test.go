package geo

import (
	"reflect"
	"slices"
	"testing"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/demo"
)

// TestVisitBBox checks that VisitBBox visits exactly InBBox's sites, at their public points
// and with their categories, across the antimeridian, with filters and with a delta tree.
func TestVisitBBox(t *testing.T) {
	sites := demo.World(5000, 3)
	sites[0].Confidential = true
	sites = demo.Publisher().PublicSites(sites)
	ix := NewIndex(sites[:4000], 1).Apply(sites[4000:], 2)
	for _, tc := range []struct {
		name string
		b    BBox
		f    Filter
	}{
		{"world", BBox{-180, -90, 180, 90}, Filter{}},
		{"europe", BBox{-10, 35, 30, 60}, Filter{}},
		{"antimeridian", BBox{170, -30, -170, 70}, Filter{}},
		{"filtered", BBox{-180, -90, 180, 90}, Filter{Categories: aidmap.NewCategorySet(aidmap.CategoryShelter)}},
		{"empty", BBox{0, 10, 1, 5}, Filter{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var want []string
			for _, h := range ix.InBBox(tc.b, tc.f) {
				want = append(want, h.ID())
			}
			var got []string
			ix.VisitBBox(tc.b, tc.f, func(h Hit) {
				got = append(got, h.ID())
				s := h.Site()
				var into aidmap.Site
				ok := h.DecodeSite(&into)
				into.ID = string(h.AppendID(nil))
				if !ok || !reflect.DeepEqual(&into, s) {
					t.Errorf("%s: DecodeSite differs from Site", s.ID)
				}
				lat, lon := h.Point()
				if wlat, wlon := s.Lat, s.Lon; lat != wlat || lon != wlon {
					t.Errorf("%s: Point = %v,%v, want public location %v,%v", s.ID, lat, lon, wlat, wlon)
				}
				if h.Categories() != s.CategorySet() {
					t.Errorf("%s: Categories = %b, want %b", s.ID, h.Categories(), s.CategorySet())
				}
			})
			slices.Sort(got)
			if !slices.Equal(got, want) {
				t.Errorf("got %d sites, want %d", len(got), len(want))
			}
		})
	}
	var zero Hit
	if lat, lon := zero.Point(); lat != 0 || lon != 0 || zero.Categories() != 0 || zero.DecodeSite(new(aidmap.Site)) {
		t.Errorf("zero Hit: got %v,%v,%v", lat, lon, zero.Categories())
	}
}

// TestSlot checks that every record of an index (base and delta trees) has a slot of its own,
// that a site's slot is the same whichever query finds it, and that hits of another snapshot
// or the zero Hit have none.
func TestSlot(t *testing.T) {
	sites := demo.Publisher().PublicSites(demo.World(3000, 7))
	old := NewIndex(sites[:2500], 1)
	ix := old.Apply(sites[2500:], 2)
	seen := map[uint64]string{}
	ix.VisitBBox(BBox{-180, -90, 180, 90}, Filter{}, func(h Hit) {
		slot, ok := ix.Slot(h)
		if !ok {
			t.Fatalf("%s: no slot in its own index", h.ID())
		}
		if other, dup := seen[slot]; dup {
			t.Fatalf("slot %d of both %s and %s", slot, other, h.ID())
		}
		seen[slot] = h.ID()
	})
	if len(seen) != ix.Len() {
		t.Fatalf("%d slots for %d sites", len(seen), ix.Len())
	}
	for _, h := range ix.Nearest(49.28, -123.12, 20, Filter{}) {
		if slot, _ := ix.Slot(h); seen[slot] != h.ID() {
			t.Errorf("nearest: slot %d is %s, want %s", slot, seen[slot], h.ID())
		}
	}
	// A hit of the delta tree of another snapshot: ix2 shares old's base but not ix's delta.
	ix2 := old.Apply(sites[2500:], 3)
	for _, h := range ix2.Nearest(sites[2600].Lat, sites[2600].Lon, 3, Filter{}) {
		if _, ok := ix.Slot(h); ok && h.ID() == sites[2600].ID {
			t.Errorf("a delta hit of another snapshot has a slot in ix")
		}
	}
	if _, ok := ix.Slot(Hit{}); ok {
		t.Error("the zero Hit has a slot")
	}
}
