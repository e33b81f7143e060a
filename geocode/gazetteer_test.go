package geocode

import (
	"context"
	"errors"
	"fmt"

	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/aidmap/aidmap"
)

// street grid used by the tests: East 12th Avenue in Vancouver runs east-west; numbers grow
// eastward by 100 a block (about 140 m), odd on the north side.
func testPoints() []aidmap.AddressPoint {
	var pts []aidmap.AddressPoint
	add := func(num int, street, unit, city, region, postcode string, lat, lon float64) {
		pts = append(pts, aidmap.AddressPoint{Lat: lat, Lon: lon, Number: fmt.Sprint(num), Unit: unit, Street: street,
			Locality: city, Region: region, Postcode: postcode, Country: "CA"})
	}
	// E 12th Ave, 1000-1298, every 10 (missing 1150-1190 to test interpolation).
	for n := 1000; n < 1300; n += 10 {
		if n >= 1150 && n < 1200 {
			continue
		}
		lon := -123.0850 + float64(n-1000)*0.000019
		add(n, "E 12TH AV", "", "VANCOUVER", "BC", "V5T 2H1", 49.2590, lon)
		add(n+1, "E 12TH AV", "", "VANCOUVER", "BC", "V5T 2H2", 49.2595, lon)
	}
	// Units in one building.
	add(5171, "221A Street", "203", "Langley", "BC", "V2Y 0A1", 49.1066, -122.6605)
	add(5171, "221A Street", "204", "Langley", "BC", "V2Y 0A1", 49.1067, -122.6606)
	add(5171, "221A Street", "", "Langley", "BC", "V2Y 0A1", 49.1065, -122.6604)
	// The same street name in two towns.
	add(100, "Main Street", "", "Smithers", "BC", "", 54.7800, -127.1700)
	add(100, "Main Street", "", "Vancouver", "BC", "", 49.2700, -123.1000)
	// A street whose name invites typos.
	add(1500, "Commercial Drive", "", "Vancouver", "BC", "", 49.2710, -123.0695)
	add(1600, "Commercial Drive", "", "Vancouver", "BC", "", 49.2700, -123.0695)
	// A street with no type.
	add(2000, "Kingsway", "", "Vancouver", "BC", "", 49.2500, -123.0700)
	// French street.
	add(4500, "Rue Saint-Denis", "", "Montréal", "QC", "H2J 2L3", 45.5256, -73.5850)
	return pts
}

func testGazetteer(t testing.TB) *Gazetteer {
	t.Helper()
	var b Builder
	for _, p := range testPoints() {
		b.Add(p)
	}
	if b.Rejected() != 0 {
		t.Fatalf("Rejected() = %d, want 0", b.Rejected())
	}
	return b.Build()
}

func TestEmbeddedGeocode(t *testing.T) {
	e := NewEmbedded(testGazetteer(t))
	tests := []struct {
		name      string
		text      string
		precision aidmap.Precision
		lat, lon  float64 // want within tolM
		tolM      float64
		minConf   float64
	}{
		{"exact", "1080 E 12th Ave, Vancouver BC", aidmap.PrecisionAddress, 49.2590, -123.0850 + 80*0.000019, 1, 0.9},
		{"spelled out", "1081 East Twelfth Avenue, Vancouver, BC", aidmap.PrecisionAddress, 49.2595, -123.0850 + 80*0.000019, 1, 0.9},
		{"unit prefix", "203-5171 221A Street, Langley BC", aidmap.PrecisionAddress, 49.1066, -122.6605, 1, 0.9},
		{"suite form", "5171 221A St Suite 204, Langley", aidmap.PrecisionAddress, 49.1067, -122.6606, 1, 0.9},
		{"unknown unit falls back to building", "Unit 999, 5171 221A Street, Langley", aidmap.PrecisionAddress, 49.1065, -122.6604, 1, 0.85},
		{"interpolated even side", "1170 E 12th Ave, Vancouver", aidmap.PrecisionInterpolated, 49.2590, -123.0850 + 170*0.000019, 2, 0.7},
		{"interpolated odd side", "1171 E 12th Ave, Vancouver", aidmap.PrecisionInterpolated, 49.2595, -123.0850 + 170*0.000019, 2, 0.7},
		{"nearby number", "1294 E 12th Ave, Vancouver", aidmap.PrecisionInterpolated, 49.2590, -123.0850 + 290*0.000019, 1, 0.6},
		{"number off the street's range", "9000 E 12th Ave, Vancouver", aidmap.PrecisionStreet, 49.2590, -123.0850, 400, 0.5},
		{"typo in street", "1500 Comercial Drive, Vancouver", aidmap.PrecisionAddress, 49.2710, -123.0695, 1, 0.8},
		{"two typos in a long street", "1500 Comercail Drive, Vancouver", aidmap.PrecisionAddress, 49.2710, -123.0695, 1, 0.75},
		{"locality decides", "100 Main St, Smithers BC", aidmap.PrecisionAddress, 54.7800, -127.1700, 1, 0.9},
		{"french", "4500, rue Saint-Denis, Montréal (Québec) H2J 2L3", aidmap.PrecisionAddress, 45.5256, -73.5850, 1, 0.9},
		{"french abbreviated", "4500 rue St-Denis, Montreal QC", aidmap.PrecisionAddress, 45.5256, -73.5850, 1, 0.9},
		{"postal code from the gazetteer", "V5T 2H2", aidmap.PrecisionPostalCode, 49.2595, -123.082, 300, 0.4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rs, err := e.Geocode(context.Background(), Request{Text: tt.text})
			if err != nil {
				t.Fatalf("Geocode(%q): %v (parsed %+v)", tt.text, err, Parse(Request{Text: tt.text}))
			}
			r := rs[0]
			if r.Precision != tt.precision {
				t.Errorf("Geocode(%q) precision = %s, want %s (%+v, parsed %+v)", tt.text, r.Precision, tt.precision, r, Parse(Request{Text: tt.text}))
			}
			if d := aidmap.DistanceM(r.Lat, r.Lon, tt.lat, tt.lon); d > tt.tolM {
				t.Errorf("Geocode(%q) = %.6f,%.6f, %.0f m from want %.6f,%.6f", tt.text, r.Lat, r.Lon, d, tt.lat, tt.lon)
			}
			if r.Confidence < tt.minConf || r.Confidence > 1 {
				t.Errorf("Geocode(%q) confidence = %.2f, want %.2f..1", tt.text, r.Confidence, tt.minConf)
			}
			if r.Label == "" || r.Source == "" {
				t.Errorf("Geocode(%q) label %q source %q: want both", tt.text, r.Label, r.Source)
			}
		})
	}
}

func TestEmbeddedAmbiguous(t *testing.T) {
	e := NewEmbedded(testGazetteer(t))
	rs, err := e.Geocode(context.Background(), Request{Text: "100 Main Street"})
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) < 2 {
		t.Fatalf("got %d candidates for a street in two towns, want 2: %+v", len(rs), rs)
	}
	if _, ok := Best(rs); ok {
		t.Errorf("Best: ok for 100 Main Street in Smithers or Vancouver, want ambiguous: %+v", rs)
	}
}

func TestEmbeddedNeverInvents(t *testing.T) {
	e := NewEmbedded(testGazetteer(t))
	for _, text := range []string{"", "   ", "PO Box 123", "12 Nowhere Crescent, Qqqxville ZZ", "!!!"} {
		rs, err := e.Geocode(context.Background(), Request{Text: text})
		if !errors.Is(err, aidmap.ErrNotFound) {
			t.Errorf("Geocode(%q) = %+v, %v; want ErrNotFound", text, rs, err)
		}
	}
}

func TestEmbeddedStructured(t *testing.T) {
	e := NewEmbedded(testGazetteer(t))
	rs, err := e.Geocode(context.Background(), Request{Address: aidmap.Address{Street: "1080 E 12th Avenue", Locality: "Vancouver", Region: "British Columbia"}})
	if err != nil {
		t.Fatal(err)
	}
	if rs[0].Precision != aidmap.PrecisionAddress {
		t.Errorf("structured address: %+v, want address precision", rs[0])
	}
}

func TestEditDistance(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"commercial", "commercial", 0},
		{"commercial", "comercial", 1},
		{"commercial", "commerical", 1}, // swap
		{"commercial", "comercail", 2},
		{"main", "mian", 1},
		{"abc", "xyz", 3},
	}
	for _, tt := range tests {
		if got := editDistance(tt.a, tt.b, 3); got != tt.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
	if got := editDistance("abcdef", "uvwxyz", 2); got != 3 {
		t.Errorf("bounded editDistance = %d, want max+1 = 3", got)
	}
}

func TestSameDigits(t *testing.T) {
	for _, tt := range []struct {
		a, b string
		want bool
	}{{"w 12 ave", "w 12 av", true}, {"w 12 ave", "w 13 ave", false}, {"main st", "mian st", true}, {"1 ave", "11 ave", false}} {
		if got := sameDigits(tt.a, tt.b); got != tt.want {
			t.Errorf("sameDigits(%q, %q) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}

// syntheticPoints makes n address points on streets with plausible names ("Oakridge
// Avenue") in plausible towns ("Westbrook"), 60 even numbers a street, for benchmarks.
func syntheticPoints(n int, seed uint64) []aidmap.AddressPoint {
	rng := rand.New(rand.NewPCG(seed, seed))
	first := []string{"Oak", "Maple", "Cedar", "Pine", "Birch", "Elm", "Willow", "Spruce", "Ash", "Alder", "Fir", "Hazel"}
	second := []string{"ridge", "wood", "field", "brook", "dale", "crest", "view", "hill", "grove", "park", "mount", "glen"}
	types := []string{"Street", "Avenue", "Road", "Drive", "Boulevard", "Crescent", "Place", "Lane"}
	townA := []string{"North", "South", "East", "West", "New", "Port", "Lake", "Fort"}
	townB := []string{"field", "brook", "ton", "ville", "wood", "haven", "bury", "ford", "mouth", "stead"}
	pts := make([]aidmap.AddressPoint, 0, n)
	for i := 0; len(pts) < n; i++ {
		town := townA[i%len(townA)] + townB[(i/len(townA))%len(townB)]
		j := i / (len(townA) * len(townB))
		street := first[j%len(first)] + second[(j/len(first))%len(second)] + " " + types[(j/(len(first)*len(second)))%len(types)]
		lat0 := 49 + rng.Float64()
		lon0 := -123 + rng.Float64()
		for num := 100; num < 100+2*60 && len(pts) < n; num += 2 {
			pts = append(pts, aidmap.AddressPoint{Lat: lat0 + float64(num)*1e-5, Lon: lon0, Number: fmt.Sprint(num),
				Street: street, Locality: town, Region: "BC", Country: "CA"})
		}
	}
	return pts
}

func BenchmarkGazetteerBuild1M(b *testing.B) {
	if testing.Short() {
		b.Skip("1M points")
	}
	pts := syntheticPoints(1_000_000, 1)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	var g *Gazetteer
	b.ReportAllocs()
	for b.Loop() {
		var bl Builder
		for _, p := range pts {
			bl.Add(p)
		}
		g = bl.Build()
		if g.Len() != len(pts) {
			b.Fatalf("Len = %d", g.Len())
		}
	}
	b.ReportMetric(float64(len(pts))/(b.Elapsed().Seconds()/float64(b.N)), "points/s")
	runtime.GC()
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/float64(len(pts)), "heap-B/point")
	runtime.KeepAlive(g)
	runtime.KeepAlive(pts)
}

func BenchmarkEmbeddedGeocode(b *testing.B) {
	pts := syntheticPoints(200_000, 2)
	var bl Builder
	for _, p := range pts {
		bl.Add(p)
	}
	e := NewEmbedded(bl.Build())
	queries := make([]string, 1000)
	for i := range queries {
		p := pts[(i*7919)%len(pts)]
		queries[i] = fmt.Sprintf("%s %s, %s %s", p.Number, p.Street, p.Locality, p.Region)
	}
	ctx := context.Background()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		rs, err := e.Geocode(ctx, Request{Text: queries[i%len(queries)]})
		if err != nil || rs[0].Precision != aidmap.PrecisionAddress {
			b.Fatalf("Geocode(%q) = %+v, %v", queries[i%len(queries)], rs, err)
		}
		i++
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "addresses/s")
}

func TestEmbeddedTownWithoutComma(t *testing.T) {
	e := NewEmbedded(testGazetteer(t))
	rs, err := e.Geocode(context.Background(), Request{Text: "2000 Kingsway Vancouver BC"})
	if err != nil || rs[0].Precision != aidmap.PrecisionAddress {
		t.Fatalf("Geocode without a comma before the town = %+v, %v; want the address point (parsed %+v)", rs, err, Parse(Request{Text: "2000 Kingsway Vancouver BC"}))
	}
}
