package ingest_test

import (
	"io"
	"os"
	"testing"

	"github.com/aidmap/aidmap/ingest"
	"github.com/aidmap/aidmap/ingest/formats"
	"github.com/aidmap/aidmap/ingest/geojson"
)

// TestJSONRecords reads a plain JSON list of records (as open-data portals export them, like
// Vancouver's free meals list): each object is one row, found by content, not by extension.
func TestJSONRecords(t *testing.T) {
	raw, err := os.ReadFile("testdata/records.json")
	if err != nil {
		t.Fatal(err)
	}
	if got := formats.DetectFormat(raw, "programs.json"); got != ingest.FormatGeoJSON {
		t.Fatalf("DetectFormat: got %v, want the GeoJSON reader (which reads plain records)", got.Name())
	}
	f, err := os.Open("testdata/records.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := geojson.NewReader(f, geojson.Options{})
	var recs []ingest.Record
	for {
		rec, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		recs = append(recs, rec)
	}
	if len(recs) != 2 {
		t.Fatalf("got %d records, want 2", len(recs))
	}
	site, problems := recs[0].Site("org")
	if site.Name != "Corner Kitchen - Hot Lunch" || site.Lat != 49.28 || site.Lon != -123.1 || site.Fees != "Free" {
		t.Errorf("first record: got name %q at %v,%v fees %q; want the program at 49.28,-123.1, free", site.Name, site.Lat, site.Lon, site.Fees)
	}
	for _, p := range problems {
		if p.Severity == ingest.Rejected {
			t.Errorf("first record rejected: %+v", p)
		}
	}
	if _, problems := recs[1].Site("org"); !hasRejection(problems) {
		t.Errorf("second record (no address, no coordinates): got %+v, want a rejection", problems)
	}
	if notes := r.Dialect().Notes; len(notes) == 0 {
		t.Error("want a note that the file is a list of records, not GeoJSON")
	}
}

func hasRejection(ps []ingest.Problem) bool {
	for _, p := range ps {
		if p.Severity == ingest.Rejected {
			return true
		}
	}
	return false
}
