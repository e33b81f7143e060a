package points

import (
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/store"
)

// readAll drains r, copying each batch (they are reused), and checks the Reader contract
// on the way: io.EOF with no points at the end, and again after that.
func readAll(t *testing.T, r Reader) ([]aidmap.AddressPoint, Summary) {
	t.Helper()
	var all []aidmap.AddressPoint
	for {
		pts, err := r.Next()
		if err == io.EOF {
			if len(pts) != 0 {
				t.Fatalf("Next returned %d points with io.EOF, want none", len(pts))
			}
			break
		}
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
		if len(pts) == 0 {
			t.Fatal("Next returned an empty batch without io.EOF")
		}
		all = append(all, pts...)
	}
	if _, err := r.Next(); err != io.EOF {
		t.Fatalf("Next after the end: got %v, want io.EOF", err)
	}
	for i := range all {
		if err := store.CheckAddressPoint(i, &all[i]); err != nil {
			t.Errorf("point %+v would abort the import: %v", all[i], err)
		}
	}
	s := r.Summary()
	if s.Read != s.Accepted+s.Rejected {
		t.Errorf("Summary: Read %d != Accepted %d + Rejected %d", s.Read, s.Accepted, s.Rejected)
	}
	if s.Points != len(all) {
		t.Errorf("Summary.Points = %d, but %d points were yielded", s.Points, len(all))
	}
	n := 0
	for _, c := range s.Reasons {
		n += c
	}
	if n != s.Rejected {
		t.Errorf("Summary.Reasons add up to %d, want Rejected = %d", n, s.Rejected)
	}
	return all, s
}

// rej is the part of a Rejection the tables check.
type rej struct {
	Row    int
	Ref    string
	Field  string
	Value  string
	Reason string
}

func rejs(s Summary) []rej {
	var out []rej
	for _, e := range s.Examples {
		out = append(out, rej{e.Row, e.Ref, e.Field, e.Value, e.Reason})
	}
	return out
}

func TestRead(t *testing.T) {
	pt := func(lon, lat float64, number, unit, street, city, region, postcode, country string) aidmap.AddressPoint {
		return aidmap.AddressPoint{Lon: lon, Lat: lat, Number: number, Unit: unit, Street: street, Locality: city, Region: region, Postcode: postcode, Country: country}
	}
	tiny := []aidmap.AddressPoint{
		pt(7.42, 43.73, "4", "B", "Avenue de la Madone", "Monaco", "", "98000", "MC"),
		pt(7.421, 43.731, "12", "", "Rue Grimaldi", "", "Monaco", "", ""),
		pt(7.421, 43.731, "14", "", "Rue Grimaldi", "", "Monaco", "", ""),
		pt(7.422, 43.732, "7", "", "Fontvieille", "", "", "", ""),
		pt(7.4000833, 43.7000833, "21", "", "Boulevard Albert 1er", "", "", "98000", ""), // L-shape area centroid
		pt(7.4101, 43.7101, "5", "", "Rue Basse", "", "", "", ""),                        // open way: mean of its nodes
	}
	tinyRejects := []rej{
		{Ref: "relation/1000", Field: "addr:housenumber", Value: "1", Reason: ReasonRelation},
		{Ref: "node/4", Field: "addr:street", Reason: ReasonNoStreet},
		{Ref: "way/101", Field: "nd", Reason: ReasonMissingNodes},
	}
	tests := []struct {
		name    string
		file    string // in testdata
		as      string // the name given to Open; file when empty
		opts    Options
		want    []aidmap.AddressPoint
		rejects []rej
	}{
		{
			name: "openaddresses header with spaces, extra fields, white space",
			file: "oa_sample.csv",
			want: []aidmap.AddressPoint{
				pt(-118.0170157, 55.546026835788886, "23042", "", "Twp Road 755 A", "", "", "", ""),
				pt(-118.75318353, 55.14959214890181, "712046", "", "Rge Road 34", "", "", "", ""),
				pt(1, 2, "number", "", "too many spaces", "", "", "", ""),
				pt(1, 2, "trim", "", "multiple spaces", "", "", "", ""),
			},
		},
		{
			name: "openaddresses bad data",
			file: "oa_bad.csv",
			want: []aidmap.AddressPoint{pt(40, 40, "5", "", "Main St", "", "", "", "")},
			rejects: []rej{
				{Row: 2, Field: "LON", Reason: ReasonNoCoordinate},
				{Row: 3, Field: "LAT", Reason: ReasonNoCoordinate},
				{Row: 4, Reason: ReasonEmptyRow},
				{Row: 5, Field: "LON", Reason: ReasonNoCoordinate},
				{Row: 6, Field: "STREET", Reason: ReasonNoStreet},
				{Row: 7, Field: "LON", Reason: ReasonNoCoordinate},
				{Row: 8, Field: "STREET", Reason: ReasonNoStreet},
				{Row: 9, Field: "STREET", Reason: ReasonNoStreet},
				{Row: 10, Field: "LON", Value: "200", Reason: ReasonOutOfRange},
				{Row: 11, Field: "LAT", Value: "-91", Reason: ReasonOutOfRange},
				{Row: 12, Field: "LON,LAT", Value: "0,0", Reason: ReasonNullIsland},
				{Row: 13, Field: "NUMBER", Reason: ReasonNoNumber},
				{Row: 14, Field: "LON", Value: "NaN", Reason: ReasonNotNumber},
				{Row: 15, Field: "LAT", Value: "0x1p3", Reason: ReasonNotNumber},
				{Row: 16, Field: "LAT", Value: "1e400", Reason: ReasonNotNumber},
				{Row: 17, Value: `parse error on line 17, column 14: bare " in non-quoted-field`, Reason: ReasonMalformedCSV},
				{Row: 18, Field: "NUMBER", Value: "000", Reason: ReasonNoNumber},
			},
		},
		{
			name: "openaddresses column order, unit in number, country from path",
			file: "oa_au.csv",
			as:   "au/vic/city_of_melbourne.csv",
			want: []aidmap.AddressPoint{
				pt(144.9804144, -37.8723977, "244", "10", "BARKLY STREET", "ST KILDA", "VIC", "3182", "AU"),
				pt(145.0378718, -37.8637847, "244-246", "10", "WATTLETREE ROAD", "MALVERN", "VIC", "3144", "AU"),
				pt(144.9591621, -37.8331898, "1/2", "", "DORCAS STREET", "SOUTH MELBOURNE", "VIC", "3205", "AU"),
				pt(144.9591621, -37.8331898, "210/244", "7", "DORCAS STREET", "SOUTH MELBOURNE", "VIC", "3205", "AU"),
			},
		},
		{
			name: "vancouver whole-address column found by name",
			file: "vancouver.csv",
			opts: Options{Country: "ca"},
			want: []aidmap.AddressPoint{
				pt(-123.1039785, 49.28368576, "1", "", "ALEXANDER ST", "VANCOUVER", "BC", "", "CA"),
				pt(-123.1046463, 49.26321599, "1", "", "E BROADWAY", "VANCOUVER", "BC", "V5T 1V4", "CA"),
				pt(-123.0816563, 49.2593949, "1080", "", "E 12TH AV", "VANCOUVER", "BC", "", "CA"),
			},
			rejects: []rej{{Row: 4, Field: "address", Reason: ReasonNoNumber}},
		},
		{
			name: "column mapping",
			file: "custom.csv",
			opts: Options{Columns: map[string]string{"lon": "X Coord", "LAT": "y coord", "number": "Civic", "street": "Road", "city": "Town", "unit": "apt"}},
			want: []aidmap.AddressPoint{
				pt(-75.69719, 45.42153, "111", "", "Wellington St", "Ottawa", "", "K1A 0A9", ""),
				pt(-73.56725, 45.50169, "1001", "200", "rue Sherbrooke O", "Montréal", "", "H3A 1G5", ""),
			},
		},
		{
			name: "geojson lines",
			file: "points.geojsonl",
			want: []aidmap.AddressPoint{
				pt(-122.6602, 49.1044, "5171", "203", "221A Street", "Langley", "BC", "V2Y 0A1", ""),
				pt(-123.1, 49.28, "42", "", "Main St", "Vancouver", "BC", "", ""),
				pt(151.2, -33.86, "12", "10", "George St", "", "", "", "AU"),
			},
			rejects: []rej{
				{Row: 4, Field: "geometry", Reason: ReasonNoCoordinate},
				{Row: 5, Field: "geometry.type", Value: "LineString", Reason: ReasonNotPoint},
				{Row: 6, Field: "street", Reason: ReasonNoStreet},
				{Row: 7, Field: "geometry", Value: "95", Reason: ReasonOutOfRange},
				{Row: 8, Field: "geometry,geometry", Value: "0,0", Reason: ReasonNullIsland},
				{Row: 9, Field: "geometry.coordinates", Value: "[5]", Reason: ReasonNotNumber},
				{Row: 10, Value: "invalid character 't' looking for beginning of object key string", Reason: ReasonInvalidJSON},
			},
		},
		{name: "osm xml", file: "tiny.osm", want: tiny, rejects: tinyRejects},
		{name: "osm pbf", file: "tiny.osm.pbf", want: tiny, rejects: tinyRejects},
		{name: "osm pbf detected by content", file: "tiny.osm.pbf", as: "extract.bin", want: tiny, rejects: tinyRejects},
		{name: "osm xml detected by content", file: "tiny.osm", as: "extract.bin", want: tiny, rejects: tinyRejects},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := os.Open(filepath.Join("testdata", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			name := tt.as
			if name == "" {
				name = tt.file
			}
			opts := tt.opts
			opts.BatchSize = 2 // several batches even from small files
			r, err := Open(context.Background(), name, f, opts)
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			got, s := readAll(t, r)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("points:\n got %+v\nwant %+v", got, tt.want)
			}
			if g := rejs(s); !reflect.DeepEqual(g, tt.rejects) {
				t.Errorf("rejections:\n got %+v\nwant %+v", g, tt.rejects)
			}
		})
	}
}

func TestOpenErrors(t *testing.T) {
	tests := []struct {
		name, data string
		opts       Options
		want       string
	}{
		{"empty file", "", Options{Format: FormatOpenAddresses}, "the file is empty"},
		{"no coordinates", "NUMBER,STREET\n1,Main St\n", Options{}, "no longitude and latitude"},
		{"no street", "LON,LAT,NUMBER\n1,2,3\n", Options{}, "needs NUMBER and STREET"},
		{"unknown field", "LON,LAT,NUMBER,STREET\n", Options{Columns: map[string]string{"colour": "LON"}}, `unknown field "colour"`},
		{"mapped column missing", "LON,LAT,NUMBER,STREET\n", Options{Columns: map[string]string{"street": "Road"}}, `street="Road": the header has no such column`},
		{"unknown format", "x", Options{Format: "shapefile"}, `unknown format "shapefile"`},
		{"bad country", "LON,LAT,NUMBER,STREET\n", Options{Country: "Canada"}, `country "CANADA" is not an ISO 3166-1`},
		{"osm from a stream", "<osm></osm>", Options{Format: FormatOSM}, "needs a file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// A plain io.Reader, not seekable, as from an HTTP upload.
			_, err := Open(context.Background(), "in.csv", io.MultiReader(strings.NewReader(tt.data)), tt.opts)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want an error containing %q", err, tt.want)
			}
			if !errors.Is(err, aidmap.ErrInvalid) {
				t.Errorf("got %v, want it to wrap aidmap.ErrInvalid", err)
			}
		})
	}
}

func TestSeparators(t *testing.T) {
	for _, sep := range []string{",", ";", "\t", "|"} {
		data := strings.NewReplacer(",", sep).Replace("lon,lat,number,street,city\n-73.5,45.5,\"1001\",rue Sherbrooke O,Montréal\n")
		r, err := Open(context.Background(), "a.csv", strings.NewReader(data), Options{})
		if err != nil {
			t.Fatalf("%q: %v", sep, err)
		}
		pts, _ := readAll(t, r)
		if len(pts) != 1 || pts[0].Street != "rue Sherbrooke O" || pts[0].Locality != "Montréal" {
			t.Errorf("separator %q: got %+v", sep, pts)
		}
	}
}

func TestFeatureCollectionRefused(t *testing.T) {
	r, err := Open(context.Background(), "x.geojson", strings.NewReader(`{"type":"FeatureCollection","features":[]}`), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Next(); err == nil || !errors.Is(err, aidmap.ErrInvalid) || !strings.Contains(err.Error(), "GeoJSONSeq") {
		t.Fatalf("got %v, want an invalid-input error that says how to convert", err)
	}
}

// TestExamplesBounded checks that a file of nothing but bad rows keeps only MaxExamples
// examples while still counting every reason.
func TestExamplesBounded(t *testing.T) {
	var b strings.Builder
	b.WriteString("LON,LAT,NUMBER,STREET\n")
	for i := 0; i < 250; i++ {
		fmt.Fprintf(&b, "1,2,%d,\n", i)
		fmt.Fprintf(&b, "x,2,%d,Main St\n", i)
	}
	r, err := Open(context.Background(), "bad.csv", strings.NewReader(b.String()), Options{})
	if err != nil {
		t.Fatal(err)
	}
	_, s := readAll(t, r)
	if len(s.Examples) != MaxExamples {
		t.Errorf("got %d examples, want %d", len(s.Examples), MaxExamples)
	}
	want := map[string]int{ReasonNoStreet: 250, ReasonNotNumber: 250}
	if !reflect.DeepEqual(s.Reasons, want) {
		t.Errorf("reasons: got %v, want %v", s.Reasons, want)
	}
	if got := s.SortedReasons(); !reflect.DeepEqual(got, []string{ReasonNoStreet, ReasonNotNumber}) {
		t.Errorf("SortedReasons: got %v", got)
	}
	if s.Examples[1].Row != 3 || s.Examples[1].String() != `line 3: LON: not a number ("x")` {
		t.Errorf("second example: got %+v (%s)", s.Examples[1], s.Examples[1])
	}
}

func TestOpenFileCompressed(t *testing.T) {
	dir := t.TempDir()
	csvData, err := os.ReadFile("testdata/oa_au.csv")
	if err != nil {
		t.Fatal(err)
	}
	jsonData, err := os.ReadFile("testdata/points.geojsonl")
	if err != nil {
		t.Fatal(err)
	}

	gzPath := filepath.Join(dir, "points.csv.gz")
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(csvData)
	zw.Close()
	if err := os.WriteFile(gzPath, gz.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}

	zipPath := filepath.Join(dir, "collection.zip")
	var zb bytes.Buffer
	w := zip.NewWriter(&zb)
	for name, data := range map[string][]byte{
		"au/vic/melbourne.csv":     csvData,
		"au/vic/melbourne.vrt":     []byte("<OGRVRTDataSource/>"),
		"README.txt":               []byte("attribution"),
		"ca/bc/langley.geojson":    jsonData,
		"__MACOSX/._langley.csv":   []byte("junk"),
		"summary/au/vic/stats.txt": []byte("x"),
	} {
		fw, err := w.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		fw.Write(data)
	}
	w.Close()
	if err := os.WriteFile(zipPath, zb.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		path         string
		size         int
		wantPoints   int
		wantRejected int
		wantCountry  map[string]int
	}{
		{gzPath, gz.Len(), 4, 0, map[string]int{"": 4}},
		{zipPath, zb.Len(), 7, 7, map[string]int{"AU": 5, "CA": 2}},
	}
	for _, tt := range tests {
		t.Run(filepath.Base(tt.path), func(t *testing.T) {
			var last int64
			r, c, err := OpenFile(context.Background(), tt.path, Options{Progress: func(n int64) { last = n }})
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			pts, s := readAll(t, r)
			if len(pts) != tt.wantPoints || s.Rejected != tt.wantRejected {
				t.Errorf("got %d points, %d rejected; want %d, %d", len(pts), s.Rejected, tt.wantPoints, tt.wantRejected)
			}
			countries := map[string]int{}
			for _, p := range pts {
				countries[p.Country]++
			}
			if !reflect.DeepEqual(countries, tt.wantCountry) {
				t.Errorf("countries: got %v, want %v", countries, tt.wantCountry)
			}
			if last < int64(tt.size)/2 {
				t.Errorf("progress ended at %d bytes of %d", last, tt.size)
			}
			for _, e := range s.Examples {
				if strings.HasSuffix(tt.path, ".zip") && e.File != "ca/bc/langley.geojson" {
					t.Errorf("rejection %+v: want File set to its archive member", e)
				}
			}
		})
	}
}

func TestOpenFileOSMProgress(t *testing.T) {
	fi, err := os.Stat("testdata/tiny.osm.pbf")
	if err != nil {
		t.Fatal(err)
	}
	var calls []int64
	r, c, err := OpenFile(context.Background(), "testdata/tiny.osm.pbf", Options{Progress: func(n int64) { calls = append(calls, n) }})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	readAll(t, r)
	if len(calls) == 0 || calls[len(calls)-1] != fi.Size() {
		t.Fatalf("progress %v: want it to end at the file size %d", calls, fi.Size())
	}
	for i := 1; i < len(calls); i++ {
		if calls[i] < calls[i-1] {
			t.Fatalf("progress went back: %v", calls)
		}
	}
}

func TestCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	r, err := Open(ctx, "a.csv", strings.NewReader("LON,LAT,NUMBER,STREET\n1,2,3,Main St\n1,2,4,Main St\n"), Options{BatchSize: 1})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Next(); err != nil {
		t.Fatal(err)
	}
	cancel()
	if _, err := r.Next(); !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
}

func TestDetectFormat(t *testing.T) {
	tests := []struct {
		name, head, want string
	}{
		{"us/ca/berkeley.csv", "", FormatOpenAddresses},
		{"us/ca/berkeley.CSV.gz", "", FormatOpenAddresses},
		{"berkeley-addresses-county.geojson", "", FormatGeoJSONL},
		{"points.geojsonl.gz", "", FormatGeoJSONL},
		{"monaco-latest.osm.pbf", "", FormatOSMPBF},
		{"monaco.osm", "", FormatOSM},
		{"upload", `{"type":"Feature"}`, FormatGeoJSONL},
		{"upload", "\ufeff{", FormatGeoJSONL},
		{"upload", `<?xml version="1.0"?><osm>`, FormatOSM},
		{"upload", "\x00\x00\x00\x0e\x0a\x09OSMHeader\x18\x7c\x10\x00\x00\x00\x00", FormatOSMPBF},
		{"upload", "LON,LAT", FormatOpenAddresses},
	}
	for _, tt := range tests {
		if got := DetectFormat(tt.name, []byte(tt.head)); got != tt.want {
			t.Errorf("DetectFormat(%q, %q) = %q, want %q", tt.name, tt.head, got, tt.want)
		}
	}
}

func TestCountryFromPath(t *testing.T) {
	tests := []struct{ path, want string }{
		{"us/ca/berkeley.csv", "US"},
		{"/data/openaddresses/ca/ab/banff.csv", "CA"},
		{"de/berlin.geojson", "DE"},
		{"us/ny/statewide.csv.gz", "US"},
		{"banff.csv", ""},
		{"/tmp/xx/points.csv", ""},         // not a country code
		{"summary/us/ca.txt", "US"},        // two-letter file names do not count
		{"US/CA/berkeley.csv", ""},         // OpenAddresses directories are lower case
		{`C:\oa\fr\countrywide.csv`, "FR"}, // Windows separators
	}
	for _, tt := range tests {
		if got := CountryFromPath(tt.path); got != tt.want {
			t.Errorf("CountryFromPath(%q) = %q, want %q", tt.path, got, tt.want)
		}
	}
}

func TestSplitUnitNumber(t *testing.T) {
	tests := []struct{ number, unit, wantNumber, wantUnit string }{
		{"10/244", "", "244", "10"},
		{"10/244-246", "", "244-246", "10"},
		{"G01/5", "", "5", "G01"},
		{"1/2", "", "1/2", ""},
		{"12 1/2", "", "12 1/2", ""},
		{"10/244", "3", "10/244", "3"},
		{"10/A", "", "10/A", ""},
		{"/12", "", "/12", ""},
		{"12/", "", "12/", ""},
		{"1/2/3", "", "1/2/3", ""},
		{"221A", "", "221A", ""},
	}
	for _, tt := range tests {
		n, u := splitUnitNumber(tt.number, tt.unit)
		if n != tt.wantNumber || u != tt.wantUnit {
			t.Errorf("splitUnitNumber(%q, %q) = %q, %q; want %q, %q", tt.number, tt.unit, n, u, tt.wantNumber, tt.wantUnit)
		}
	}
}

func TestClean(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Main St", "Main St"},
		{"  Main   St ", "Main St"},
		{"Main\tSt", "Main St"},
		{"Main\u00a0\u00a0St", "Main St"},
		{"Montréal", "Montréal"},
		{"Montr\xe9al", "Montréal"},     // Windows-1252
		{"Caf\x80 \x00Nul", "Caf€ Nul"}, // € in Windows-1252; NUL
		{" Main St", "Main St"},
		{"Main St ", "Main St"},
		{"a\u3000\u3000b", "a b"},
		{"a\u0085b", "a b"},
		{"", ""},
		{"   ", ""},
	}
	for _, tt := range tests {
		if got := clean(tt.in); got != tt.want {
			t.Errorf("clean(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestSplitAddress(t *testing.T) {
	tests := []struct {
		in                                              string
		number, street, city, region, postcode, country string
	}{
		{"1 ALEXANDER ST, VANCOUVER, BC", "1", "ALEXANDER ST", "VANCOUVER", "BC", "", ""},
		{"5171 221A Street, Langley, BC V2Y 0A1, CA", "5171", "221A Street", "Langley", "BC", "V2Y 0A1", "CA"},
		{"ATHLETES WAY, VANCOUVER, BC", "", "ATHLETES WAY", "VANCOUVER", "BC", "", ""},
		{"12", "", "12", "", "", "", ""},
		{"", "", "", "", "", "", ""},
	}
	for _, tt := range tests {
		n, s, c, r, p, co := splitAddress(tt.in)
		if got, want := []string{n, s, c, r, p, co}, []string{tt.number, tt.street, tt.city, tt.region, tt.postcode, tt.country}; !reflect.DeepEqual(got, want) {
			t.Errorf("splitAddress(%q) = %q, want %q", tt.in, got, want)
		}
	}
}
