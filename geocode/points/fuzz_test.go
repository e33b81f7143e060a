package points

import (
	"bytes"
	"context"
	"io"
	"math"
	"testing"

	"github.com/aidmap/aidmap/store"
)

// FuzzReadOpenAddresses feeds arbitrary bytes to the CSV reader (seeds in
// testdata/fuzz/FuzzReadOpenAddresses). Whatever the input, it must not panic, must end in
// io.EOF or an error, and every point it yields must meet the rules every reader enforces.
func FuzzReadOpenAddresses(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzRead(t, "in.csv", data, Options{Format: FormatOpenAddresses, BatchSize: 3})
		fuzzRead(t, "in.csv", data, Options{Format: FormatOpenAddresses, Columns: map[string]string{"lon": "x", "lat": "y", "address": "a"}})
	})
}

// FuzzReadGeoJSONL does the same for GeoJSON lines (seeds in testdata/fuzz/FuzzReadGeoJSONL).
func FuzzReadGeoJSONL(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzRead(t, "in.geojsonl", data, Options{Format: FormatGeoJSONL, BatchSize: 3})
	})
}

func fuzzRead(t *testing.T, name string, data []byte, opts Options) {
	r, err := Open(context.Background(), name, bytes.NewReader(data), opts)
	if err != nil {
		return // a bad header is a fine answer
	}
	points := 0
	for i := 0; ; i++ {
		pts, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return
		}
		if len(pts) == 0 || len(pts) > opts.batchSize() {
			t.Fatalf("batch of %d points", len(pts))
		}
		for _, p := range pts {
			if math.IsNaN(p.Lon) || math.IsNaN(p.Lat) {
				t.Fatalf("NaN coordinate in %+v", p)
			}
			if err := store.CheckAddressPoint(0, &p); err != nil {
				t.Fatalf("yielded %+v, which the store refuses: %v", p, err)
			}
			if _, _, why := checkPoint(&p, &labels{}); why != "" {
				t.Fatalf("yielded %+v, which breaks %q", p, why)
			}
			if p.Street != clean(p.Street) || p.Number != clean(p.Number) {
				t.Fatalf("yielded unclean %+v", p)
			}
		}
		points += len(pts)
		if i > len(data)+1 {
			t.Fatal("more batches than bytes: not making progress")
		}
	}
	s := r.Summary()
	if s.Read != s.Accepted+s.Rejected || s.Points != points || len(s.Examples) > MaxExamples {
		t.Fatalf("summary %+v does not add up (%d points yielded)", s, points)
	}
}
