package tiles

import (
	"fmt"
	"testing"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/demo"
	"github.com/aidmap/aidmap/geo"
)

// FuzzRender builds sites from arbitrary bytes (points anywhere, poles, the antimeridian and
// tile edges included; odd names; any categories), renders every tile holding one at a zoom,
// and checks that orb decodes each tile and that the counts add up to the sites.
func FuzzRender(f *testing.F) {
	f.Add([]byte("\x00\x00\x00\x00\x01a\xff\xff\xff\xff\x02b\x80\x00\x80\x00\x04c"), uint8(0), uint8(0))
	f.Add([]byte("\x40\x00\x40\x00\x01xx\x40\x00\x40\x00\x01yy\x40\x00\x40\x01\x01zz"), uint8(14), uint8(1))
	f.Fuzz(func(t *testing.T, data []byte, zb, catsb uint8) {
		z := int(zb % 19)
		var sites []aidmap.Site
		for i := 0; i+6 <= len(data) && len(sites) < 200; i += 6 {
			u := func(k int) float64 { return float64(uint16(data[i+k])<<8|uint16(data[i+k+1])) / 65535 }
			s := aidmap.Site{
				OrganizationID: "fuzz", ExternalID: fmt.Sprint(i),
				Name:       string(data[i+5 : min(len(data), i+5+int(data[i+4]%8))]),
				Lat:        u(0)*180 - 90,
				Lon:        u(2)*360 - 180,
				Categories: aidmap.CategorySet(data[i+4]).Slice(),
				Precision:  aidmap.PrecisionExact, Status: aidmap.StatusActive,
				Confidential: data[i+4]&0x80 != 0,
			}
			if len(s.Categories) == 0 {
				s.Categories = []aidmap.Category{aidmap.CategoryOther}
			}
			s.ID = aidmap.SiteID(s.OrganizationID, s.ExternalID)
			sites = append(sites, demo.Publisher().Public(&s))
		}
		ix := geo.NewIndex(sites, 1)
		filter := geo.Filter{Categories: aidmap.CategorySet(catsb)}
		byTile := map[[2]int]int{}
		for i := range sites {
			s := &sites[i]
			if filter.Categories != 0 && s.CategorySet()&filter.Categories == 0 {
				continue
			}
			lat, lon := s.Lat, s.Lon
			if x, y, ok := tileOf(lat, lon, z); ok {
				byTile[[2]int{x, y}]++
			}
		}
		// Render each tile holding a site by the reference formula, and its neighbours above
		// and below, as the two may disagree on a point exactly on a row edge: every site is
		// then counted once.
		render := map[[2]int]bool{}
		want := 0
		for xy, n := range byTile {
			want += n
			for _, dy := range []int{-1, 0, 1} {
				if y := xy[1] + dy; y >= 0 && y < 1<<uint(z) {
					render[[2]int{xy[0], y}] = true
				}
			}
		}
		total := 0
		for xy := range render {
			b, err := Render(nil, ix, z, xy[0], xy[1], filter)
			if err != nil {
				t.Fatal(err)
			}
			for _, ft := range decode(t, b) {
				total += count(t, ft)
			}
		}
		if total != want {
			t.Fatalf("z%d: tiles count %d sites, want %d", z, total, want)
		}
	})
}
