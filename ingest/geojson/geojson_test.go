package geojson

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/ingest"
)

// site is what a test checks of one converted record.
type siteResult struct {
	row      int
	line     int
	site     aidmap.Site
	problems []string // severity and field, as reasons() gives them
	all      []ingest.Problem
}

func readGeoJSON(t *testing.T, r io.Reader, opts Options) ([]siteResult, *Reader, error) {
	t.Helper()
	g := NewReader(r, opts)
	var out []siteResult
	for {
		rec, err := g.Next()
		if err == io.EOF {
			return out, g, nil
		}
		if err != nil {
			return out, g, err
		}
		s, ps := rec.Site("org")
		out = append(out, siteResult{row: rec.Row, line: rec.Line, site: s, problems: reasons(ps), all: ps})
	}
}

func readGeoJSONFile(t *testing.T, name string) ([]siteResult, *Reader) {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out, g, err := readGeoJSON(t, f, Options{})
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return out, g
}

func TestGeoJSON(t *testing.T) {
	type want struct {
		name      string
		lat, lon  float64
		precision aidmap.Precision
		problems  []string
	}
	tests := []struct {
		file string
		want []want
	}{
		{"clean.geojson", []want{
			{"Union Gospel Mission", 49.2810, -123.0937, aidmap.PrecisionExact, nil},
			{"Food Bank Depot", 49.26, -123.1, aidmap.PrecisionExact, nil},
		}},
		{"swapped.geojson", []want{
			{"Swapped shelter", 49.2810, -123.0937, aidmap.PrecisionExact, []string{"warning lat"}},
			{"Ambiguous but RFC order", 48.85, 2.35, aidmap.PrecisionExact, nil},
			{"Both out of range", 0, 0, "", []string{"rejected "}},
		}},
		{"geometries.geojson", []want{
			{"Park with an address", 0, 0, "", []string{"warning geometry"}},
			{"Outreach route", 0, 0, "", []string{"rejected geometry", "rejected "}},
			{"One point in a MultiPoint", 48.42, -123.37, aidmap.PrecisionExact, nil},
			{"Two points", 0, 0, "", []string{"rejected geometry", "rejected "}},
			{"Collection of one point", 48.42, -123.37, aidmap.PrecisionExact, nil},
			{"", 0, 0, "", []string{"rejected ", "rejected name", "rejected "}},
			{"Bad geometry", 0, 0, "", []string{"rejected geometry", "rejected "}},
		}},
		{"null-geometry.geojson", []want{
			{"To be geocoded", 0, 0, "", nil},
			{"Nowhere", 0, 0, "", []string{"rejected "}},
			{"Coordinates in properties", 48.42, -123.37, aidmap.PrecisionExact, nil},
			{"One coordinates property", 48.42, -123.37, aidmap.PrecisionExact, nil},
		}},
		{"missing-name.geojson", []want{
			{"", 48.42, -123.37, aidmap.PrecisionExact, []string{"rejected name"}},
			{"", 48.42, -123.37, aidmap.PrecisionExact, []string{"rejected name"}},
		}},
		{"nested.geojson", []want{
			{"Nested Centre", 45.51, -73.57, aidmap.PrecisionExact, nil},
		}},
		{"features.ndjson", []want{
			{"Line one", 48.42, -123.37, aidmap.PrecisionExact, nil},
			{"Line three", 48.43, -123.36, aidmap.PrecisionExact, nil},
		}},
		{"features.geojsonseq", []want{
			{"Seq one", 48.42, -123.37, aidmap.PrecisionExact, nil},
			{"Seq two", 48.43, -123.36, aidmap.PrecisionExact, nil},
		}},
		{"single.geojson", []want{
			{"Single feature", 43.65, -79.38, aidmap.PrecisionExact, nil},
		}},
		{"osm.geojson", []want{
			{"Mustard Seed", 48.4322, -123.3609, aidmap.PrecisionExact, nil},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			got, _ := readGeoJSONFile(t, tt.file)
			if len(got) != len(tt.want) {
				t.Fatalf("got %d features, want %d", len(got), len(tt.want))
			}
			for i, w := range tt.want {
				g := got[i]
				if g.row != i+1 {
					t.Errorf("feature %d: got row %d, want %d", i+1, g.row, i+1)
				}
				if g.site.Name != w.name {
					t.Errorf("feature %d: got name %q, want %q", i+1, g.site.Name, w.name)
				}
				if g.site.Precision != w.precision || g.site.Lat != w.lat || g.site.Lon != w.lon {
					t.Errorf("feature %d: got %v,%v (%q), want %v,%v (%q)", i+1, g.site.Lat, g.site.Lon, g.site.Precision, w.lat, w.lon, w.precision)
				}
				if !reflect.DeepEqual(g.problems, w.problems) {
					t.Errorf("feature %d: got problems %q, want %q (%v)", i+1, g.problems, w.problems, g.all)
				}
			}
		})
	}
}

func TestGeoJSONFields(t *testing.T) {
	t.Run("nested properties", func(t *testing.T) {
		got, g := readGeoJSONFile(t, "nested.geojson")
		s := got[0].site
		wantAddr := aidmap.Address{Street: "3 Oak St", Locality: "Montréal", PostalCode: "H2X 1Y4"}
		if s.Address != wantAddr {
			t.Errorf("got address %+v, want %+v", s.Address, wantAddr)
		}
		if s.Phone != "+1 514-555-0199" || s.Email != "info@example.org" {
			t.Errorf("got phone %q email %q", s.Phone, s.Email)
		}
		if want := []aidmap.Category{aidmap.CategoryFoodBank, aidmap.CategoryCommunityKitchen}; !reflect.DeepEqual(s.Categories, want) {
			t.Errorf("got categories %v, want %v", s.Categories, want)
		}
		if want := []string{"en", "fr"}; !reflect.DeepEqual(s.Languages, want) {
			t.Errorf("got languages %v, want %v", s.Languages, want)
		}
		d := g.Dialect()
		if c, ok := d.Column(ingest.FieldPhone); !ok || c.Header != "contact.phone" {
			t.Errorf("got phone column %+v, want contact.phone", c)
		}
	})
	t.Run("feature id and OSM tags", func(t *testing.T) {
		got, _ := readGeoJSONFile(t, "osm.geojson")
		s := got[0].site
		if s.ExternalID != "node/123" || s.Address.Street != "625 Queens Avenue" || s.Address.Locality != "Victoria" {
			t.Errorf("got id %q street %q city %q", s.ExternalID, s.Address.Street, s.Address.Locality)
		}
		if !reflect.DeepEqual(s.Categories, []aidmap.Category{aidmap.CategoryFoodBank}) || s.Website != "https://mustardseed.ca" {
			t.Errorf("got categories %v website %q", s.Categories, s.Website)
		}
		if s.Hours.Notes != "Tu,Th 10:00-14:00" {
			t.Errorf("got hours %q", s.Hours.Notes)
		}
	})
	t.Run("feature id when no property gives one", func(t *testing.T) {
		got, _ := readGeoJSONFile(t, "clean.geojson")
		if got[0].site.ExternalID != "17" || got[1].site.ExternalID != "fb-2" {
			t.Errorf("got ids %q %q, want 17 fb-2", got[0].site.ExternalID, got[1].site.ExternalID)
		}
	})
	t.Run("lines", func(t *testing.T) {
		got, _ := readGeoJSONFile(t, "features.ndjson")
		if got[0].line != 1 || got[1].line != 3 {
			t.Errorf("got lines %d %d, want 1 3", got[0].line, got[1].line)
		}
		got, _ = readGeoJSONFile(t, "clean.geojson")
		if got[0].line != 6 || got[1].line != 7 {
			t.Errorf("got lines %d %d, want 6 7", got[0].line, got[1].line)
		}
	})
}

func TestGeoJSONFileErrors(t *testing.T) {
	feature := `{"type":"Feature","properties":{"name":"A"},"geometry":{"type":"Point","coordinates":[1,2]}}`
	tests := []struct {
		name   string
		input  string
		opts   Options
		sites  int
		reason string
	}{
		{"empty", "  \n", Options{}, 0, "empty"},
		{"not JSON", "name,lat\n", Options{}, 0, "not valid JSON"},
		{"truncated", `{"type":"FeatureCollection","features":[` + feature, Options{}, 1, "ends in the middle"},
		{"not GeoJSON", `{"type":"Topology"}`, Options{}, 0, "not GeoJSON"},
		{"a number", `42`, Options{}, 0, "not GeoJSON"},
		{"features not an array", `{"features":{}}`, Options{}, 0, "must be an array"},
		{"too many features", `{"features":[` + feature + "," + feature + "," + feature + `]}`, Options{MaxFeatures: 2}, 2, "more than 2 features"},
		{"feature too large", `{"features":[` + feature + `,{"type":"Feature","properties":{"name":"` + strings.Repeat("x", 300<<10) + `"}}]}`, Options{MaxFeatureBytes: 100 << 10}, 1, "larger than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _, err := readGeoJSON(t, strings.NewReader(tt.input), tt.opts)
			var fe *ingest.FileError
			if !errors.As(err, &fe) || !errors.Is(err, aidmap.ErrInvalid) {
				t.Fatalf("got error %v, want a *FileError wrapping ErrInvalid", err)
			}
			if !strings.Contains(fe.Reason, tt.reason) {
				t.Errorf("got reason %q, want it to contain %q", fe.Reason, tt.reason)
			}
			if len(got) != tt.sites {
				t.Errorf("got %d features before the error, want %d", len(got), tt.sites)
			}
		})
	}
}

func TestGeoJSONFeatureProblems(t *testing.T) {
	deep := `{"type":"Feature","properties":{"name":"Deep","a":` + strings.Repeat(`{"b":`, 40) + `1` + strings.Repeat(`}`, 40) + `},"geometry":null}`
	tests := []struct {
		name    string
		feature string
		reason  string
	}{
		{"too deep", deep, "nested"},
		{"not an object", `"a string"`, "not a GeoJSON Feature"},
		{"unknown type", `{"type":"Topology"}`, "only Feature objects"},
		{"properties not an object", `{"type":"Feature","properties":[1,2]}`, "not a JSON object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _, err := readGeoJSON(t, strings.NewReader(`{"features":[`+tt.feature+`]}`), Options{})
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 1 || len(got[0].all) == 0 || got[0].all[0].Severity != ingest.Rejected || !strings.Contains(got[0].all[0].Reason, tt.reason) {
				t.Fatalf("got %+v, want one feature rejected because %q", got, tt.reason)
			}
		})
	}
}

func TestGeoJSONNoCategoryNote(t *testing.T) {
	_, g := readGeoJSONFile(t, "features.geojsonseq")
	if d := g.Dialect(); len(d.Notes) != 1 || !strings.Contains(d.Notes[0], "no property gives the kind of service") {
		t.Errorf("got notes %q, want one about categories", d.Notes)
	}
	_, g = readGeoJSONFile(t, "features.ndjson")
	if d := g.Dialect(); len(d.Notes) != 0 {
		t.Errorf("got notes %q, want none", d.Notes)
	}
}

func TestGeoJSONCRSNote(t *testing.T) {
	in := `{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::3857"}},"features":[]}`
	_, g, err := readGeoJSON(t, strings.NewReader(in), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if d := g.Dialect(); len(d.Notes) != 1 || !strings.Contains(d.Notes[0], "EPSG:4326") {
		t.Errorf("got notes %q, want one about EPSG:4326", d.Notes)
	}
}

// reasons gives each problem as its severity and field, for compact comparisons.
func reasons(ps []ingest.Problem) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Severity.String()+" "+p.Field)
	}
	return out
}
