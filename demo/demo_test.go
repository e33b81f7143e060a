package demo

import (
	"reflect"
	"strings"
	"testing"

	"github.com/aidmap/aidmap"
)

func TestOrganization(t *testing.T) {
	o := Organization()
	if o.ID != "demo" || o.Name != "Demo data (not real services)" || !o.Demo {
		t.Errorf("got %+v, want ID demo, the demo name and Demo true", o)
	}
}

func TestSitesValid(t *testing.T) {
	sites := Sites(2000, 1)
	if len(sites) != 2000 {
		t.Fatalf("got %d sites, want 2000", len(sites))
	}
	ids := make(map[string]bool)
	var confidential, closed, unknownHours, overnight int
	for i := range sites {
		s := &sites[i]
		if err := s.Validate(); err != nil {
			t.Fatalf("site %d: got error %v, want valid", i, err)
		}
		if ids[s.ID] {
			t.Fatalf("site %d: duplicate ID %s", i, s.ID)
		}
		ids[s.ID] = true
		if !strings.HasPrefix(s.Name, "Demo: ") {
			t.Errorf("site %d: got name %q, want prefix \"Demo: \"", i, s.Name)
		}
		if !strings.Contains(s.Phone, "555-01") {
			t.Errorf("site %d: got phone %q, want a fictional 555-01xx number", i, s.Phone)
		}
		if s.Website != "" && !strings.HasPrefix(s.Website, "https://example.org/") {
			t.Errorf("site %d: got website %q, want example.org", i, s.Website)
		}
		if s.OrganizationID != "demo" || s.Address.Region != "BC" || s.Address.Country != "CA" {
			t.Errorf("site %d: got org %q region %q country %q, want demo BC CA", i, s.OrganizationID, s.Address.Region, s.Address.Country)
		}
		if d := aidmap.DistanceM(s.Lat, s.Lon, 49.25, -123.0); d > 60000 {
			t.Errorf("site %d: got %.0f m from Vancouver, want within 60 km", i, d)
		}
		if s.UpdatedAt.IsZero() {
			t.Errorf("site %d: got zero UpdatedAt", i)
		}
		if s.Confidential {
			confidential++
			if !s.CategorySet().Has(aidmap.CategoryShelter) {
				t.Errorf("site %d: confidential but not a shelter", i)
			}
		}
		if s.Status != aidmap.StatusActive {
			closed++
		}
		if !s.Hours.Known() {
			unknownHours++
		}
		for _, p := range s.Hours.Weekly {
			if p.Close <= p.Open {
				overnight++
			}
		}
	}
	for _, c := range []struct {
		name     string
		got, min int
	}{
		{"confidential", confidential, 20},
		{"not active", closed, 20},
		{"unknown hours", unknownHours, 100},
		{"overnight periods", overnight, 100},
	} {
		if c.got < c.min {
			t.Errorf("%s: got %d, want at least %d", c.name, c.got, c.min)
		}
	}
}

func TestWorldValid(t *testing.T) {
	sites := World(20000, 7)
	ids := make(map[string]bool)
	var east, west, north, south int
	for i := range sites {
		s := &sites[i]
		if err := s.Validate(); err != nil {
			t.Fatalf("site %d: got error %v, want valid", i, err)
		}
		if ids[s.ID] {
			t.Fatalf("site %d: duplicate ID %s", i, s.ID)
		}
		ids[s.ID] = true
		if s.OrganizationID != "bench" {
			t.Fatalf("site %d: got org %q, want bench", i, s.OrganizationID)
		}
		switch {
		case s.Lon > 175:
			east++
		case s.Lon < -175:
			west++
		}
		if s.Lat > 60 {
			north++
		}
		if s.Lat < 0 {
			south++
		}
	}
	for _, c := range []struct {
		name     string
		got, min int
	}{
		{"east of 175°E", east, 10},
		{"west of 175°W", west, 10},
		{"north of 60°N", north, 20},
		{"southern hemisphere", south, 1000},
	} {
		if c.got < c.min {
			t.Errorf("%s: got %d sites, want at least %d", c.name, c.got, c.min)
		}
	}
}

func TestDeterministic(t *testing.T) {
	tests := []struct {
		name string
		gen  func(int, uint64) []aidmap.Site
	}{
		{"Sites", Sites},
		{"World", World},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := tt.gen(500, 42), tt.gen(500, 42)
			if !reflect.DeepEqual(a, b) {
				t.Errorf("got different sites for the same (n, seed), want identical")
			}
			c := tt.gen(500, 43)
			if reflect.DeepEqual(a, c) {
				t.Errorf("got identical sites for different seeds, want different")
			}
			if got := tt.gen(0, 1); len(got) != 0 {
				t.Errorf("got %d sites for n=0, want 0", len(got))
			}
		})
	}
}

func BenchmarkWorld(b *testing.B) {
	for b.Loop() {
		World(100000, 1)
	}
}
