package osmbuild

import (
	"math"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

func TestOcean(t *testing.T) {
	box := orb.Bound{Min: orb.Point{0, 0}, Max: orb.Point{10, 10}}
	tests := []struct {
		name   string
		chains []orb.LineString
		polys  int
		area   float64 // of all sea polygons, holes subtracted
		holes  int
	}{
		{"coast west to east: sea south", []orb.LineString{{{-1, 5}, {11, 5}}}, 1, 50, 0},
		{"coast east to west: sea north", []orb.LineString{{{11, 5}, {-1, 5}}}, 1, 50, 0},
		{"diagonal coast", []orb.LineString{{{-1, -1}, {11, 11}}}, 1, 50, 0},
		{"island only: the box is sea", []orb.LineString{{{4, 4}, {6, 4}, {6, 6}, {4, 6}, {4, 4}}}, 1, 96, 1},
		{"coast cut inside the box is extended to the nearest edge", []orb.LineString{{{-1, 1}, {8, 1}}}, 1, 8, 0},
		{"peninsula: two pieces, two seas", []orb.LineString{
			{{-1, 5}, {3, 5}, {3, -1}},
			{{7, -1}, {7, 5}, {11, 5}},
		}, 2, 30, 0},
		{"bay: one piece in, one out, one sea", []orb.LineString{
			{{-1, 5}, {3, 5}, {3, 11}},
			{{7, 11}, {7, 5}, {11, 5}},
		}, 1, 50 + 4*5, 0},
		{"coast and island", []orb.LineString{{{-1, 8}, {11, 8}}, {{4, 2}, {6, 2}, {6, 4}, {4, 4}, {4, 2}}}, 1, 80 - 4, 1},
		{"no coast", nil, 0, 0, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := ocean(box, tc.chains)
			if len(got) != tc.polys {
				t.Fatalf("got %d polygons %v, want %d", len(got), got, tc.polys)
			}
			var area float64
			holes := 0
			for _, p := range got {
				area += math.Abs(planar.Area(p[0]))
				for _, h := range p[1:] {
					area -= math.Abs(planar.Area(h))
					holes++
				}
				if b := p.Bound(); b.Min[0] < 0 || b.Min[1] < 0 || b.Max[0] > 10 || b.Max[1] > 10 {
					t.Errorf("polygon bound %v outside the box", b)
				}
			}
			if math.Abs(area-tc.area) > 1e-9 || holes != tc.holes {
				t.Errorf("sea area %v with %d holes, want %v with %d: %v", area, holes, tc.area, tc.holes, got)
			}
		})
	}
}
