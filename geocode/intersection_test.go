package geocode

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/aidmap/aidmap"
)

// cornerPoints is a few blocks of Vancouver's grid as address points: Main Street runs
// north-south at 123.1000°W, East and West Hastings Street east-west at 49.2810°N, East
// Cordova parallel to Hastings at 49.2830°N and East Pender at 49.2800°N (back-to-back lots
// with Hastings: close, but they never meet). Points sit about 18 m from the street's line,
// both sides, every 25 m, and stop short of the corners (corner lots are addressed on one
// street). Fraser Street and Kingsway share a corner point. Smithers has a Main Street too,
// Burnaby a Hastings Street.
func cornerPoints() []aidmap.AddressPoint {
	var pts []aidmap.AddressPoint
	add := func(num int, street, city string, lat, lon float64) {
		pts = append(pts, aidmap.AddressPoint{Lat: lat, Lon: lon, Number: fmt.Sprint(num), Street: street,
			Locality: city, Region: "BC", Country: "CA"})
	}
	const side, step = 0.00025, 0.000225 // about 18 m across (at this latitude), 25 m along
	for i := range 40 {
		lat := 49.2762 + float64(i)*step
		if d := lat - 49.2810; d > -0.0003 && d < 0.0003 {
			continue // the corner lots are on Hastings
		}
		add(100+10*i, "Main Street", "Vancouver", lat, -123.1000-side)
		add(101+10*i, "Main Street", "Vancouver", lat, -123.1000+side)
	}
	road := func(name, city string, lat, fromLon, toLon float64) {
		dir := 1.0
		if toLon < fromLon {
			dir = -1
		}
		for i := 0; ; i++ {
			lon := fromLon + dir*float64(i)*0.00034 // about 25 m
			if dir*(lon-toLon) > 0 {
				break
			}
			add(100+10*i, name, city, lat-0.00016, lon)
			add(101+10*i, name, city, lat+0.00016, lon)
		}
	}
	road("E Hastings St", "Vancouver", 49.2810, -123.0996, -123.0900)
	road("W Hastings St", "Vancouver", 49.2810, -123.1004, -123.1100)
	road("E Cordova St", "Vancouver", 49.2830, -123.0996, -123.0900)
	road("E Pender St", "Vancouver", 49.2797, -123.0996, -123.0900)
	road("Hastings St", "Burnaby", 49.2810, -123.0000, -122.9900)
	add(100, "Main Street", "Smithers", 54.7800, -127.1700)
	add(110, "Main Street", "Smithers", 54.7802, -127.1700)
	add(3001, "Kingsway", "Vancouver", 49.2520, -123.0900)
	add(3002, "Kingsway", "Vancouver", 49.2525, -123.0910)
	add(4101, "Fraser St", "Vancouver", 49.2520, -123.0900)
	add(4111, "Fraser St", "Vancouver", 49.2530, -123.0900)
	return pts
}

func cornerGazetteer(t testing.TB) *Gazetteer {
	t.Helper()
	var b Builder
	for _, p := range cornerPoints() {
		b.Add(p)
	}
	return b.Build()
}

func TestSplitCorner(t *testing.T) {
	for _, tc := range []struct {
		in, a, b, rest string
		ok             bool
	}{
		{"Main & Hastings", "Main", "Hastings", "", true},
		{"Main St and E Hastings St", "Main St", "E Hastings St", "", true},
		{"Main/Hastings", "Main", "Hastings", "", true},
		{"coin Main et Hastings", "Main", "Hastings", "", true},
		{"Corner of Main and Hastings, Vancouver BC", "Main", "Hastings", "Vancouver BC", true},
		{"esquina Main y Hastings", "Main", "Hastings", "", true},
		{"4th Ave & Main", "4th Ave", "Main", "", true},
		{"401 Main St", "", "", "", false},
		{"401 Main St and Hastings", "", "", "", false},
		{"Main &", "", "", "", false},
		{"Anderson Street", "", "", "", false},
		{"V6A 2K5", "", "", "", false},
	} {
		a, b, rest, ok := SplitCorner(tc.in)
		if a != tc.a || b != tc.b || rest != tc.rest || ok != tc.ok {
			t.Errorf("SplitCorner(%q): got %q, %q, %q, %v, want %q, %q, %q, %v", tc.in, a, b, rest, ok, tc.a, tc.b, tc.rest, tc.ok)
		}
	}
}

func TestIntersection(t *testing.T) {
	e := NewEmbedded(cornerGazetteer(t))
	for _, tc := range []struct {
		text     string
		lat, lon float64
	}{
		{"Main & Hastings", 49.2810, -123.1000},
		{"Main St and E Hastings St", 49.2810, -123.1000},
		{"Main/Hastings", 49.2810, -123.1000},
		{"coin Main et Hastings", 49.2810, -123.1000},
		{"corner of Main and Hastings, Vancouver", 49.2810, -123.1000},
		{"Main and Hastings Vancouver", 49.2810, -123.1000},
		{"Hastings & Main", 49.2810, -123.1000},
		{"W Hastings St / Main Street", 49.2810, -123.1000},
		{"Main & Cordova", 49.2830, -123.1000},
		{"Kingsway & Fraser", 49.2520, -123.0900}, // a shared corner point
	} {
		t.Run(tc.text, func(t *testing.T) {
			rs, err := e.Geocode(context.Background(), Request{Text: tc.text})
			if err != nil || len(rs) == 0 {
				t.Fatalf("got %v, %v", rs, err)
			}
			r := rs[0]
			if d := aidmap.DistanceM(r.Lat, r.Lon, tc.lat, tc.lon); d > 25 || r.Precision != aidmap.PrecisionStreet || !r.Placed() {
				t.Errorf("got %+v, %.0f m from the corner, want street precision within 25 m", r, d)
			}
			if !strings.Contains(r.Label, "&") {
				t.Errorf("label %q does not name both streets", r.Label)
			}
		})
	}
	g := cornerGazetteer(t)
	for _, tc := range []struct{ a, b, locality string }{
		{"Hastings", "Pender", ""},       // side by side: back-to-back lots 30 m apart
		{"Main", "Hastings", "smithers"}, // Smithers has no Hastings
		{"Main", "Kingsway", ""},         // far apart
		{"Main", "Nowhere", ""},
		{"Main", "Main", ""},
	} {
		if r, ok := g.Intersection(tc.a, tc.b, tc.locality, ""); ok {
			t.Errorf("Intersection(%s, %s, %q): got %+v, want none", tc.a, tc.b, tc.locality, r)
		}
	}
	// Burnaby's Hastings meets no Main: the corner asked in Burnaby is not Vancouver's.
	if r, ok := g.Intersection("Main", "Hastings", "burnaby", ""); ok {
		t.Errorf("Main & Hastings in Burnaby: got %+v", r)
	}
	if _, ok := (*Gazetteer)(nil).corner("Main & Hastings"); ok {
		t.Error("a nil gazetteer found a corner")
	}
}

func BenchmarkIntersection(b *testing.B) {
	g := cornerGazetteer(b)
	for b.Loop() {
		if _, ok := g.Intersection("Main", "Hastings", "", ""); !ok {
			b.Fatal("not found")
		}
	}
}
