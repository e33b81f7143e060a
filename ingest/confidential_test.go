package ingest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/aidmap/aidmap/ingest"
	"github.com/aidmap/aidmap/ingest/formats"
	"github.com/xuri/excelize/v2"
)

// unclearFlags are confidentiality values that are neither a clear yes nor a clear no: each
// must keep the site confidential (fail closed), with a warning naming the row and value.
var unclearFlags = []string{"Yes.", "Confidential", "private", "YES - do not publish", "✔", "2", "n/a", "?", "unknown", "-"}

// confidentialFile writes rows (id, flag) as a file of the given format, each a site at its
// own exact point in Vancouver.
func confidentialFile(t *testing.T, format string, flags []string) ([]byte, string) {
	t.Helper()
	switch format {
	case "csv":
		var b strings.Builder
		b.WriteString("id,name,category,lat,lon,confidential\n")
		for i, f := range flags {
			fmt.Fprintf(&b, "S%d,Place %d,food bank,49.2%d,-123.1,\"%s\"\n", i, i, i, f)
		}
		return []byte(b.String()), "sites.csv"
	case "xlsx":
		x := excelize.NewFile()
		rows := [][]any{{"id", "name", "category", "lat", "lon", "confidential"}}
		for i, f := range flags {
			rows = append(rows, []any{fmt.Sprintf("S%d", i), fmt.Sprintf("Place %d", i), "food bank", fmt.Sprintf("49.2%d", i), "-123.1", f})
		}
		for r, row := range rows {
			for c, v := range row {
				cell, _ := excelize.CoordinatesToCellName(c+1, r+1)
				x.SetCellValue("Sheet1", cell, v)
			}
		}
		var buf bytes.Buffer
		if err := x.Write(&buf); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes(), "sites.xlsx"
	case "geojson":
		var feats []any
		for i, f := range flags {
			feats = append(feats, map[string]any{"type": "Feature",
				"geometry":   map[string]any{"type": "Point", "coordinates": []float64{-123.1, 49.2 + float64(i)/100}},
				"properties": map[string]any{"id": fmt.Sprintf("S%d", i), "name": fmt.Sprintf("Place %d", i), "category": "food bank", "confidential": f}})
		}
		b, _ := json.Marshal(map[string]any{"type": "FeatureCollection", "features": feats})
		return b, "sites.geojson"
	}
	t.Fatalf("format %s", format)
	return nil, ""
}

// TestConfidentialFailsClosed uploads files whose confidentiality cells are unreadable, in
// every format that has such a column: every such site is stored confidential, and the report
// names each row. A clear "no" still publishes the exact point.
func TestConfidentialFailsClosed(t *testing.T) {
	for _, format := range []string{"csv", "xlsx", "geojson"} {
		t.Run(format, func(t *testing.T) {
			st := newStore(t)
			flags := append(append([]string{}, unclearFlags...), "no", "yes", "false", "")
			data, name := confidentialFile(t, format, flags)
			src, _, err := formats.NewReader(bytes.NewReader(data), formats.Options{Name: name, At: bytes.NewReader(data), Size: int64(len(data))})
			if err != nil {
				t.Fatal(err)
			}
			rep, err := ingest.Run(context.Background(), src, st, nil, ingest.Options{Org: testOrg, File: name})
			if err != nil {
				t.Fatalf("%v (%+v)", err, rep)
			}
			sites := storeSites(t, st)
			warned := map[string]bool{}
			for _, p := range rep.Problems {
				if p.Field == ingest.FieldConfidential.String() && p.Reason == ingest.ReasonConfidentialUnclear {
					warned[p.Value] = true
				}
			}
			for i, f := range flags {
				s, ok := sites[fmt.Sprintf("S%d", i)]
				if !ok {
					t.Errorf("%q: site not stored", f)
					continue
				}
				wantConf := f != "no" && f != "false" && f != ""
				if s.Confidential != wantConf {
					t.Errorf("%q: confidential = %v, want %v", f, s.Confidential, wantConf)
				}
				unclear := wantConf && f != "yes"
				if unclear && !warned[f] {
					t.Errorf("%q: no warning in the report", f)
				}
			}
		})
	}
}

// TestConfidentialHoursZoneFromArea checks that a confidential site whose file names no time
// zone gets the zone of its area cell's centre, not of its true point.
func TestConfidentialHoursZoneFromArea(t *testing.T) {
	st := newStore(t)
	csv := "id,name,category,lat,lon,confidential,hours\nC1,Safe Home,shelter,49.2827,-123.1207,yes,Mo-Fr 09:00-17:00\n"
	src, _, err := formats.NewReader(strings.NewReader(csv), formats.Options{Name: "h.csv"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ingest.Run(context.Background(), src, st, nil, ingest.Options{Org: testOrg, File: "h.csv"}); err != nil {
		t.Fatal(err)
	}
	s := storeSites(t, st)["C1"]
	if !s.Confidential || s.Hours.Timezone != "America/Vancouver" {
		t.Errorf("got confidential=%v zone %q, want true and America/Vancouver", s.Confidential, s.Hours.Timezone)
	}
}
