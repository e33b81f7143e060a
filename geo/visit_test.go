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
