package osmbuild

import (
	"testing"

	"github.com/paulmach/osm"
)

func TestPOISpec(t *testing.T) {
	tag := func(kv ...string) osm.Tags {
		var tags osm.Tags
		for i := 0; i < len(kv); i += 2 {
			tags = append(tags, osm.Tag{Key: kv[i], Value: kv[i+1]})
		}
		return tags
	}
	tests := []struct {
		name  string
		tags  osm.Tags
		class string // "" when not a point of interest
		zoom  uint8
	}{
		{"bus stop", tag("highway", "bus_stop", "name", "Post"), "transit", 15},
		{"tram stop", tag("railway", "tram_stop"), "transit", 15},
		{"named platform", tag("public_transport", "platform", "name", "Gleis 1"), "transit", 15},
		{"unnamed platform", tag("public_transport", "platform"), "", 0},
		{"station", tag("railway", "station", "name", "Schaan"), "transit", 13},
		{"bus station", tag("amenity", "bus_station"), "transit", 13},
		{"hospital", tag("amenity", "hospital", "name", "Landesspital"), "hospital", 13},
		{"library", tag("amenity", "library"), "library", 13},
		{"community centre", tag("amenity", "community_centre"), "community_centre", 13},
		{"pharmacy from z15", tag("amenity", "pharmacy"), "pharmacy", 15},
		{"clinic from z15", tag("amenity", "clinic"), "clinic", 15},
		{"bench is not", tag("amenity", "bench"), "", 0},
		{"shop is not", tag("shop", "bakery", "name", "Beck"), "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, ok := poiSpec(tt.tags)
			if ok != (tt.class != "") {
				t.Fatalf("poiSpec(%v): ok %v, want %v", tt.tags, ok, tt.class != "")
			}
			if !ok {
				return
			}
			if s.props["class"] != tt.class || s.minZoom != tt.zoom || s.layer != layerIndex(LayerPOIs) {
				t.Errorf("poiSpec(%v) = class %v from z%d in layer %d, want %s from z%d in pois", tt.tags, s.props["class"], s.minZoom, s.layer, tt.class, tt.zoom)
			}
		})
	}
}

// TestPOIOutline: a hospital drawn as a closed way is a point of interest at its centre,
// besides its landuse area; an open way with the same tags is not one.
func TestPOIOutline(t *testing.T) {
	tags := osm.Tags{{Key: "amenity", Value: "hospital"}, {Key: "name", Value: "Spital"}}
	layersOf := func(specs []spec) map[string]bool {
		got := map[string]bool{}
		for _, s := range specs {
			got[layers[s.layer].name] = true
		}
		return got
	}
	if got := layersOf(waySpecs(tags, true)); !got[LayerPOIs] || !got[LayerLanduse] {
		t.Errorf("closed hospital way: layers %v, want pois and landuse", got)
	}
	if got := layersOf(waySpecs(tags, false)); got[LayerPOIs] {
		t.Errorf("open hospital way: layers %v, want no pois", got)
	}
}
